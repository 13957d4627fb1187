import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { rotateSigningKey } from "./signing-keys";

/** Admin action: a new signing key signs from now on; the old one keeps verifying until its tokens expire. */
export async function rotateSigningKeys(principal: Principal, meta: RequestMeta): Promise<{ kid: string }> {
  const kid = await prisma.$transaction(async (tx) => {
    const newKid = await rotateSigningKey(tx);
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "signing_key.rotate",
      target: { type: "signing_key", id: newKid },
      request: meta,
    });
    await notifyCredentialChange(tx, { kind: "signing_keys" });
    return newKid;
  });
  emitCredentialChange({ kind: "signing_keys" });
  return { kid };
}
