/** The API key check: `Authorization: Bearer KEY`, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Throws a 401 unless the request carries the key. Without a key every request passes. */
export function checkKey(req: IncomingMessage, key: string | undefined): void {
  if (key === undefined) return;
  const header = req.headers.authorization;
  const given = typeof header === "string" ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
  if (given === undefined) {
    throw new HttpError(
      401,
      "an API key is needed: send it as Authorization: Bearer KEY",
      "authentication_error",
      "missing_api_key",
    );
  }
  // Digests of equal length, so the comparison takes the same time whatever was sent.
  if (!timingSafeEqual(digest(given), digest(key))) {
    throw new HttpError(401, "the API key is not valid", "authentication_error", "invalid_api_key");
  }
}
