import { z } from "zod";

const MAX_PEM = 256 * 1024;

export const tlsInputSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("self-signed") }),
  z.object({
    mode: z.literal("pem"),
    certificatePem: z.string().min(1, "Paste or choose the certificate (PEM).").max(MAX_PEM),
    chainPem: z.string().max(MAX_PEM).optional(),
    privateKeyPem: z.string().min(1, "Paste or choose the private key (PEM).").max(MAX_PEM),
  }),
  z.object({
    mode: z.literal("pkcs12"),
    pkcs12Base64: z
      .string()
      .min(1, "Choose the PKCS#12 file.")
      .max(MAX_PEM * 2),
    password: z.string().max(1024),
  }),
]);

export const sourceControlSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("github"), clientId: z.string().max(200), clientSecret: z.string().max(500) }),
  z.object({
    kind: z.literal("github-enterprise"),
    apiUrl: z.string().max(500),
    clientId: z.string().max(200),
    clientSecret: z.string().max(500),
  }),
  z.object({ kind: z.literal("git-ssh") }),
]);
