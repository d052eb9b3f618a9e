import type { Hono } from "hono";
import { emailSchema } from "../../../core/identity/account-base";
import { inviteMember, listInvitations, revokeInvitation } from "../../../core/identity/invitations";
import { changeMemberRole, listMembers, removeMember } from "../../../core/identity/members";
import { assignableRoles, ROLES, type Role, roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

const isRole = (v: unknown): v is Role => typeof v === "string" && (ROLES as readonly string[]).includes(v);

/** /members (D6): members with their roles, invitations. Forms are shown to those who may manage. */
async function membersPage(
  c: PortalContext,
  state: { error?: string | null; invite?: { email: string; role: string } } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const [members, invitations] = await Promise.all([listMembers(ctx), listInvitations(ctx)]);
  const canManage = roleAllows(actor.role, "members:manage");
  const mine = canManage ? assignableRoles(actor.role) : [];
  const invite = state.invite ?? { email: "", role: "viewer" };
  return portalPage(
    c,
    { title: _("members.title"), error: state.error },
    <>
      <section aria-labelledby="members-h">
        <h2 id="members-h">{_("members.list.title", { tenant: ctx.tenant.name })}</h2>
        <table>
          <Head
            cols={[
              _("members.name"),
              _("members.email"),
              _("members.role"),
              _("members.mfa"),
              _("members.joined"),
              ...(canManage ? [_("common.actions")] : []),
            ]}
          />
          <tbody>
            {members.map((m) => {
              const name = `${m.firstName} ${m.lastName}`.trim() || m.email;
              const self = m.userId === actor.id;
              const editable = canManage && mine.includes(m.role);
              return (
                <tr>
                  <td>
                    {name} {self ? <span class="muted">{_("common.you")}</span> : null}
                  </td>
                  <td>{m.email}</td>
                  <td>
                    {editable ? (
                      <form method="post" action={`/members/${encodeURIComponent(m.id)}/role`} class="inline">
                        <select name="role" aria-label={_("members.role_for", { name })}>
                          {mine.map((r) => (
                            <option value={r} selected={r === m.role}>
                              {_(`role.${r}`)}
                            </option>
                          ))}
                        </select>{" "}
                        <button type="submit" class="secondary">
                          {_("members.change_role")}
                        </button>
                      </form>
                    ) : (
                      _(`role.${m.role}`)
                    )}
                  </td>
                  <td>{m.mfaEnabled ? _("common.yes") : _("common.no")}</td>
                  <td>{fmtDate(c, m.createdAt)}</td>
                  {canManage ? (
                    <td>
                      {editable ? (
                        <form
                          method="post"
                          action={`/members/${encodeURIComponent(m.id)}/remove`}
                          class="inline"
                        >
                          <button
                            type="submit"
                            class="danger"
                            aria-label={_("members.remove_label", { name })}
                          >
                            {_("members.remove")}
                          </button>
                        </form>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      {canManage ? (
        <section aria-labelledby="invite-h">
          <h2 id="invite-h">{_("members.invite.title")}</h2>
          <p class="muted">{_("members.invite.note")}</p>
          <form method="post" action="/members/invite" class="stack">
            <label>
              {_("field.email")}
              <input
                name="email"
                type="email"
                autocomplete="off"
                required
                maxlength={254}
                value={invite.email}
              />
            </label>
            <label>
              {_("members.role")}
              <select name="role">
                {mine.map((r) => (
                  <option value={r} selected={r === invite.role}>
                    {_(`role.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{_("members.invite.submit")}</button>
          </form>
        </section>
      ) : null}

      <section aria-labelledby="invitations-h">
        <h2 id="invitations-h">{_("members.invitations.title")}</h2>
        <TableOrNone
          none={_("members.invitations.none")}
          cols={[
            _("members.email"),
            _("members.role"),
            _("members.invitations.sent"),
            _("members.invitations.expires"),
            ...(canManage ? [_("common.actions")] : []),
          ]}
          rows={invitations.map((i) => (
            <tr>
              <td>{i.email}</td>
              <td>{_(`role.${i.role}`)}</td>
              <td>{fmtDate(c, i.createdAt)}</td>
              <td>{fmtDate(c, i.expiresAt)}</td>
              {canManage ? (
                <td>
                  <form
                    method="post"
                    action={`/members/invitations/${encodeURIComponent(i.id)}/revoke`}
                    class="inline"
                  >
                    <button
                      type="submit"
                      class="secondary"
                      aria-label={_("members.invitations.revoke_label", { email: i.email })}
                    >
                      {_("members.invitations.revoke")}
                    </button>
                  </form>
                </td>
              ) : null}
            </tr>
          ))}
        />
      </section>
    </>,
    status,
  );
}

export function registerMembers(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "members:read" });
  const manage = access({ kind: "portal", perm: "members:manage" });

  app.get("/members", read, (c) => membersPage(c));

  app.post("/members/invite", manage, async (c) => {
    const f = await readForm(c);
    const values = { email: f.email ?? "", role: f.role ?? "" };
    return orErrorPage(
      c,
      async () => {
        if (!emailSchema.safeParse(values.email).success) throw invalid("error.email_invalid", "/email");
        if (!isRole(values.role)) throw invalid("error.role_invalid", "/role");
        await inviteMember(userCtx(c).ctx, { email: values.email, role: values.role });
        return c.redirect(doneUrl("/members", "invited"), 303);
      },
      (error, status) => membersPage(c, { error, invite: values }, status),
    );
  });

  app.post("/members/:memberId/role", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        if (!isRole(f.role)) throw invalid("error.role_invalid", "/role");
        await changeMemberRole(userCtx(c).ctx, c.req.param("memberId"), f.role);
        return c.redirect(doneUrl("/members", "role_changed"), 303);
      },
      (error, status) => membersPage(c, { error }, status),
    );
  });

  app.post("/members/:memberId/remove", manage, async (c) => {
    return orErrorPage(
      c,
      async () => {
        await removeMember(userCtx(c).ctx, c.req.param("memberId"));
        return c.redirect(doneUrl("/members", "member_removed"), 303);
      },
      (error, status) => membersPage(c, { error }, status),
    );
  });

  app.post("/members/invitations/:invitationId/revoke", manage, async (c) => {
    return orErrorPage(
      c,
      async () => {
        await revokeInvitation(userCtx(c).ctx, c.req.param("invitationId"));
        return c.redirect(doneUrl("/members", "invitation_revoked"), 303);
      },
      (error, status) => membersPage(c, { error }, status),
    );
  });
}
