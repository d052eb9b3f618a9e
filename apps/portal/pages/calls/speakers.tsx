import { type SpeakersInput, type SpeakerView, speakersOf } from "../../../../core/calls/speakers";
import type { Transcript } from "../../../../core/content/transcripts/model";
import type { MessageKey } from "../../../../core/platform/i18n";
import { fmtDate, type PortalContext } from "../../../ui/common";
import type { Form } from "../../../ui/forms";
import { tr } from "../../../ui/layout";
import { clock } from "./shared";

/**
 * The voices of a call's transcript (B2, C2): how agent and customer were told apart, in words,
 * and — for those who may edit calls — a swap button and a form assigning each voice, posted to
 * `/calls/:id/speakers` (works without JavaScript).
 */

function voiceName(c: PortalContext, v: Pick<SpeakerView, "label" | "channel" | "role">): string {
  const _ = tr(c);
  if (v.label)
    return v.channel !== null
      ? `${v.label} (${_("calls.roles.channel_name", { channel: v.channel })})`
      : v.label;
  if (v.channel !== null) return _("calls.roles.channel_name", { channel: v.channel });
  return _(`calls.speaker.${v.role}` as MessageKey);
}

function reason(
  c: PortalContext,
  t: Transcript,
  voices: SpeakerView[],
  names: Map<string, string>,
): string | null {
  const _ = tr(c);
  const r = t.roles;
  if (!r) return null;
  const agentVoice = voices.find((v) => v.key === r.agent);
  const agent = agentVoice ? voiceName(c, agentVoice) : (r.agent ?? "");
  switch (r.source) {
    case "given":
      return _("calls.roles.given");
    case "channel":
      return _("calls.roles.channel", { channel: r.agentChannel ?? 0 });
    case "greeting":
      return _("calls.roles.greeting", { agent, phrase: r.phrase ?? "", time: clock(r.atS ?? 0) });
    case "first_speaker":
      return _(
        r.direction === "outbound"
          ? "calls.roles.first_speaker_outbound"
          : "calls.roles.first_speaker_inbound",
        {
          agent,
        },
      );
    case "manual":
      return _("calls.roles.manual", {
        who: (r.by && names.get(r.by)) || _("calls.roles.someone"),
        date: fmtDate(c, r.at ?? null),
      });
    case "unresolved":
      return _("calls.roles.unresolved");
  }
}

export function SpeakersSection({
  c,
  callId,
  transcript,
  canWrite,
  names,
}: {
  c: PortalContext;
  callId: string;
  transcript: Transcript;
  canWrite: boolean;
  names: Map<string, string>;
}) {
  const _ = tr(c);
  const voices = speakersOf(transcript);
  const why = reason(c, transcript, voices, names);
  const action = `/calls/${encodeURIComponent(callId)}/speakers`;
  const assignable = voices.filter((v) => v.role !== "unknown" || v.label !== null || v.channel !== null);
  return (
    <section aria-labelledby="speakers-h" class="speakers">
      <h3 id="speakers-h">{_("calls.roles.title")}</h3>
      {why ? <p data-role-source={transcript.roles?.source}>{why}</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">{_("calls.roles.voice")}</th>
            <th scope="col">{_("calls.roles.role")}</th>
            <th scope="col">{_("calls.roles.segments")}</th>
            <th scope="col">{_("calls.roles.first")}</th>
          </tr>
        </thead>
        <tbody>
          {voices.map((v) => (
            <tr>
              <td>{voiceName(c, v)}</td>
              <td>{_(`calls.speaker.${v.role}` as MessageKey)}</td>
              <td>{String(v.segments)}</td>
              <td>{clock(v.firstAtS)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite && assignable.length ? (
        <>
          <p class="muted">{_("calls.roles.check")}</p>
          <form method="post" action={action}>
            <input type="hidden" name="swap" value="1" />
            <button type="submit" class="secondary">
              {_("calls.roles.swap")}
            </button>
          </form>
          <details>
            <summary>{_("calls.roles.assign")}</summary>
            <form method="post" action={action} class="stack">
              {assignable.map((v, i) => (
                <label>
                  {voiceName(c, v)}
                  <input type="hidden" name={`k${i}`} value={v.key} />
                  <select name={`r${i}`}>
                    <option value="agent" selected={v.role === "agent"}>
                      {_("calls.speaker.agent")}
                    </option>
                    <option value="customer" selected={v.role !== "agent"}>
                      {_("calls.speaker.customer")}
                    </option>
                  </select>
                </label>
              ))}
              <button type="submit">{_("calls.roles.save")}</button>
            </form>
          </details>
        </>
      ) : null}
    </section>
  );
}

/** The portal form → the API's correction body (`k<i>` names a voice, `r<i>` its role). */
export function speakersInputFromForm(f: Form): SpeakersInput {
  if (f.swap === "1") return { swap: true };
  const roles: Record<string, "agent" | "customer"> = {};
  for (let i = 0; f[`k${i}`] !== undefined && i < 100; i++) {
    const role = f[`r${i}`];
    if (role === "agent" || role === "customer") roles[f[`k${i}`]] = role;
  }
  return { roles };
}
