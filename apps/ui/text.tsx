/**
 * Text typed by a person (ticket messages, breach facts) with its line breaks kept. The CSP has no
 * 'unsafe-inline' for styles, so no `style="white-space: pre-wrap"`: one `<br>` per line break.
 */
export function Lines({ text }: { text: string }) {
  const lines = text.split(/\r?\n/);
  return (
    <>
      {lines.map((l, i) => (
        <>
          {i > 0 ? <br /> : null}
          {l}
        </>
      ))}
    </>
  );
}
