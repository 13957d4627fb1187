// Next 16 "proxy" (formerly middleware): a cheap gate that sends signed-out
// visitors of portal pages to sign-in. Never the only guard: every page and
// handler checks the session and membership itself.
import { NextResponse, type NextRequest } from "next/server";

const PUBLIC = [/^\/$/, /^\/oauth\//, /^\/sign-in/, /^\/sign-up/, /^\/api\//, /^\/_next\//, /^\/favicon/];
const SESSION_COOKIES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((p) => p.test(pathname))) return NextResponse.next();
  if (SESSION_COOKIES.some((c) => req.cookies.has(c))) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/sign-in";
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
