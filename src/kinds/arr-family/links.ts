/**
 * Links and image URLs handed out by capabilities and search must never carry a credential
 * (docs/capabilities.md §2, "Links and image URLs"): the *arr family embeds `apikey=` in some URLs it
 * returns (Prowlarr download links, MediaCover URLs), Jackett `jackett_apikey=`, an iCal feed URL is a secret
 * as a whole. `publicUrl` keeps a value only when it is an absolute http(s) URL without userinfo and without a
 * query parameter that looks like a key; anything else is dropped (undefined), never rewritten.
 */
const CREDENTIAL_PARAM = /^(api[-_]?key|jackett_apikey|passkey|token|access[-_]?token|auth|x-plex-token|x-api-key|password|pass|key|sig|signature)$/i;

export function publicUrl(value: string | null | undefined, forbidden: readonly string[] = []): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  for (const name of url.searchParams.keys()) if (CREDENTIAL_PARAM.test(name)) return undefined;
  // Values the caller knows are secret (the API key, the feed URL) must not appear anywhere in it.
  for (const secret of forbidden) if (secret.length >= 4 && (value.includes(secret) || decodeSafe(value).includes(secret))) return undefined;
  return value;
}

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
