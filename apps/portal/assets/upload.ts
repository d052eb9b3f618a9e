/**
 * The upload page's script (B1), served as `/static/upload.js` (apps/public/static.ts).
 * Vanilla JS, no build step: the Worker has no asset pipeline, so the module is a string (and
 * it contains no backslash, so the template literal is the script byte for byte).
 *
 * For each file (dropped or chosen, two at a time): `POST /calls/new` creates the call with the
 * page's shared fields, then the audio goes as the raw body of `PUT /calls/:id/recording`
 * through XMLHttpRequest, whose `upload.onprogress` drives the file's `<progress>`. Files above
 * the single-request limit (`data-max-single`) go through the portal's multipart routes in
 * parts of the size the server gives. A failed upload discards the empty call it created.
 * Every message comes from the page's `data-msg-*` attributes (the user's language); the server
 * answers these routes with `{ "message": … }` already localized.
 */
export const UPLOAD_JS = `// CallCenterRate: upload recordings, one call per file, each with its own progress.
const root = document.getElementById("audio-upload");
if (root) {
  const data = root.dataset;
  const maxSingle = Number(data.maxSingle);
  const maxTotal = Number(data.maxTotal);
  const form = root.querySelector("form");
  const input = root.querySelector("input[type=file]");
  const zone = root.querySelector("[data-dropzone]");
  const list = root.querySelector("[data-list]");
  const summary = root.querySelector("[data-summary]");
  const CONCURRENCY = 2;
  const queue = [];
  let active = 0;
  let succeeded = 0;
  let total = 0;

  const msg = (key, params) => {
    let s = data["msg" + key] || key;
    for (const [k, v] of Object.entries(params || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  };
  const lang = document.documentElement.lang || "fr";
  const size = (n) => {
    const mb = n >= 1024 * 1024;
    return new Intl.NumberFormat(lang, { style: "unit", unit: mb ? "megabyte" : "kilobyte", maximumFractionDigits: 1 }).format(
      mb ? n / 1024 / 1024 : n / 1024,
    );
  };

  class Failure extends Error {}
  const failure = (status, body) => new Failure(body && body.message ? body.message : msg("Refused", { status }));
  const enc = encodeURIComponent;

  const fields = () => {
    const out = {};
    for (const [k, v] of new FormData(form).entries()) if (typeof v === "string" && v.trim()) out[k] = v.trim();
    return out;
  };

  async function postJson(url, body) {
    let res;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
    } catch {
      throw new Failure(msg("Network"));
    }
    let parsed = null;
    if ((res.headers.get("content-type") || "").includes("application/json")) parsed = await res.json().catch(() => null);
    if (!res.ok || res.redirected || !parsed) throw failure(res.status, parsed);
    return parsed;
  }

  function putBlob(url, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("content-type", blob.type || "application/octet-stream");
      xhr.setRequestHeader("accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded);
      };
      xhr.onload = () => {
        let parsed = null;
        if ((xhr.getResponseHeader("content-type") || "").includes("application/json")) {
          try {
            parsed = JSON.parse(xhr.responseText);
          } catch {
            parsed = null;
          }
        }
        if (xhr.status >= 200 && xhr.status < 300 && parsed) resolve(parsed);
        else reject(failure(xhr.status, parsed));
      };
      xhr.onerror = () => reject(new Failure(msg("Network")));
      xhr.onabort = () => reject(new Failure(msg("Network")));
      xhr.send(blob);
    });
  }

  function addRow(file) {
    const li = document.createElement("li");
    li.className = "upload-row";
    li.dataset.state = "waiting";
    const name = document.createElement("span");
    name.className = "file";
    name.textContent = file.name + " (" + size(file.size) + ")";
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", msg("ProgressLabel", { name: file.name }));
    const out = document.createElement("output");
    out.textContent = msg("Waiting");
    li.append(name, " ", bar, " ", out);
    list.append(li);
    return { li, bar, out };
  }

  async function uploadOne(file, row) {
    if (file.size === 0) throw new Failure(msg("Empty"));
    if (file.size > maxTotal) throw new Failure(msg("TooLarge"));
    row.out.textContent = msg("Creating");
    const meta = fields();
    if (meta.useFileName) {
      const dot = file.name.lastIndexOf(".");
      meta.externalId = dot > 0 ? file.name.slice(0, dot) : file.name;
    }
    delete meta.useFileName;
    const created = await postJson("/calls/new", meta);
    const base = "/calls/" + enc(created.id) + "/recording";
    const progress = (sent) => {
      const pct = Math.min(100, (sent / file.size) * 100);
      row.bar.value = pct;
      row.out.textContent = msg("Sending", { percent: Math.floor(pct) });
    };
    try {
      progress(0);
      if (file.size <= maxSingle) {
        await putBlob(base, file, progress);
      } else {
        const upload = await postJson(base + "/uploads", { size: file.size });
        const partsUrl = base + "/uploads/" + enc(upload.uploadId);
        try {
          for (let start = 0, n = 1; start < file.size; start += upload.partSize, n++) {
            const part = file.slice(start, Math.min(file.size, start + upload.partSize));
            await putBlob(partsUrl + "/parts/" + n, part, (sent) => progress(start + sent));
          }
          await postJson(partsUrl + "/complete", {});
        } catch (e) {
          fetch(partsUrl, { method: "DELETE", headers: { accept: "application/json" }, credentials: "same-origin" }).catch(() => {});
          throw e;
        }
      }
    } catch (e) {
      // Do not leave an empty call behind (never one that existed before this upload).
      if (created.created && e instanceof Failure) {
        try {
          await postJson("/calls/" + enc(created.id) + "/delete", {});
          e.discarded = true;
        } catch {
          // the call stays; the user sees it in the list without a recording
        }
      }
      throw e;
    }
    return created;
  }

  const showSummary = () => {
    summary.textContent = msg("Summary", { done: succeeded, total });
  };

  function pump() {
    while (active < CONCURRENCY && queue.length) {
      const { file, row } = queue.shift();
      active++;
      row.li.dataset.state = "sending";
      uploadOne(file, row)
        .then(
          (created) => {
            succeeded++;
            row.bar.value = 100;
            row.li.dataset.state = "done";
            row.out.textContent = msg("Done") + " ";
            const a = document.createElement("a");
            a.href = "/calls/" + enc(created.id);
            a.textContent = msg("Open");
            row.out.append(a);
          },
          (e) => {
            row.li.dataset.state = "error";
            row.bar.hidden = true; // a full bar beside a refusal would read as a success
            row.out.classList.add("error-text");
            const text = e instanceof Failure ? e.message : msg("Network");
            row.out.textContent = msg("Failed", { message: text }) + (e && e.discarded ? " " + msg("Discarded") : "");
          },
        )
        .finally(() => {
          active--;
          showSummary();
          pump();
        });
    }
  }

  function add(files) {
    for (const file of files) {
      total++;
      queue.push({ file, row: addRow(file) });
    }
    if (files.length) showSummary();
    pump();
  }

  input.addEventListener("change", () => {
    add(Array.from(input.files || []));
    input.value = "";
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    add(Array.from((e.dataTransfer && e.dataTransfer.files) || []));
  });
  // A file dropped beside the zone would make the browser leave the page (and its uploads).
  for (const type of ["dragover", "drop"])
    window.addEventListener(type, (e) => {
      if (!(e.target instanceof HTMLInputElement)) e.preventDefault();
    });
  window.addEventListener("beforeunload", (e) => {
    if (active || queue.length) e.preventDefault();
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  root.hidden = false;
}
`;
