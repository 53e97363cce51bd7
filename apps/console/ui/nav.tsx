"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { api } from "./trpc";

const LINKS = [
  { href: "/", label: "Dashboard" },
  { href: "/wizard", label: "Install" },
  { href: "/settings", label: "Settings" },
  { href: "/fleet", label: "Builders" },
  { href: "/backups", label: "Backups" },
  { href: "/audit", label: "Audit log" },
];

export function Nav() {
  const path = usePathname();
  if (path === "/login" || path === "/setup-password") return null;
  return (
    <nav aria-label="Main">
      {LINKS.map((link) => (
        <Link key={link.href} href={link.href} aria-current={path === link.href ? "page" : undefined}>
          {link.label}
        </Link>
      ))}
      <button
        type="button"
        className="link-button"
        onClick={async () => {
          await api.auth.logout.mutate();
          window.location.assign("/login");
        }}
      >
        Sign out
      </button>
    </nav>
  );
}
