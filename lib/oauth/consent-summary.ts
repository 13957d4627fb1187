/** server.ts → Next consent page hand-over (an internal header, stripped from client requests). */
export const CONSENT_HEADER = "x-gatehouse-consent";

export type ConsentSummary = {
  uid: string;
  clientName: string;
  clientId: string;
  orgName: string;
  userEmail: string;
  scopes: { name: string; description: string }[];
  redirectHost: string;
};
