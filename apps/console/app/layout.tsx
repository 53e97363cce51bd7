import type { ReactNode } from "react";
import "./globals.css";
import { Nav } from "../ui/nav";

// Rendered per request: the CSP nonce differs each time.
export const dynamic = "force-dynamic";

export const metadata = { title: "Citadel console" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <span className="brand">Citadel</span>
          <Nav />
        </header>
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
