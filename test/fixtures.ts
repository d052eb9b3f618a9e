/** A valid PCM WAV: 8 kHz mono 16-bit, `seconds` long. */
export function makeWav(seconds: number, rate = 8000): Uint8Array {
  const dataLen = Math.round(seconds * rate) * 2;
  const b = new Uint8Array(44 + dataLen);
  const v = new DataView(b.buffer);
  const str = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i));
  };
  str(0, "RIFF");
  v.setUint32(4, 36 + dataLen, true);
  str(8, "WAVE");
  str(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  str(36, "data");
  v.setUint32(40, dataLen, true);
  for (let i = 44; i < b.length; i++) b[i] = (i * 7) & 0xff;
  return b;
}
