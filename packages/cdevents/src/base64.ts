/**
 * Base64 (RFC 4648 §4) without Node built-ins, for `customData` and CloudEvents `data_base64`.
 * @module
 */

/** Encodes bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** True when the text is padded standard base64 (what the spec's `contentEncoding: base64` means). */
export function isBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}

/** Decodes base64 (padding optional, line breaks ignored); `undefined` when malformed. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  try {
    return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
