import { z } from "zod";

export const emailSchema = z.string().trim().toLowerCase().email("Enter a valid email address.").max(254);

export const signUpSchema = z.object({
  email: emailSchema,
  password: z.string().min(12, "Use at least 12 characters.").max(256),
  name: z.string().trim().min(1).max(100).optional(),
});
export type SignUpInput = z.infer<typeof signUpSchema>;

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1).max(256),
});
