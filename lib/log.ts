// Structured logs with pino; secrets are redacted by path so a careless
// `log.info({ body })` cannot leak a key, token, password or cookie.
import pino from "pino";

export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  redact: {
    paths: [
      "key",
      "token",
      "secret",
      "password",
      "*.key",
      "*.token",
      "*.secret",
      "*.password",
      "*.passwordHash",
      "*.hash",
      "headers.authorization",
      "headers.cookie",
      'headers["x-api-key"]',
      "req.headers.authorization",
      "req.headers.cookie",
    ],
    censor: "[redacted]",
  },
});
