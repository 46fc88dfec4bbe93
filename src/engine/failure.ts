/** What a connection test reports when it fails: the codes of docs/api.md and the error thrown inside adapters. */
export const ERROR_CODES = [
  "CONNECTION_REFUSED",
  "INVALID_CREDENTIALS",
  "UNSUPPORTED_VERSION",
  "TIMEOUT",
  "DNS_ERROR",
  "HOST_UNREACHABLE",
  "CERTIFICATE_ERROR",
  "HTTP_ERROR",
  "UNEXPECTED_RESPONSE",
  "UNKNOWN",
] as const;
export type TestErrorCode = (typeof ERROR_CODES)[number];

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  selfSigned: boolean;
  pem: string;
}

export interface TestError {
  code: TestErrorCode;
  message: string;
  details?: Record<string, string | number | boolean>;
  certificate?: CertificateInfo;
}

/** Thrown by adapters and the outbound client; turned into the `{error}` object by the runner. */
export class TestFailure extends Error {
  /** For CERTIFICATE_ERROR: the address whose certificate failed (it may not be the integration's URL, e.g. an iCal feed). Never shown. */
  certificateUrl?: URL;

  constructor(
    readonly code: TestErrorCode,
    message: string,
    readonly details?: Record<string, string | number | boolean>,
  ) {
    super(message);
  }
}
