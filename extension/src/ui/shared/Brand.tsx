/** The Wallet's mark and name, the same on every page so a shopper knows the window is really the Wallet's. */
export function Brand({ title = "QuickPay Wallet" }: { title?: string }) {
  return (
    <span className="brand">
      <svg
        className="brand-mark"
        viewBox="0 0 24 24"
        width="24"
        height="24"
        aria-hidden="true"
        focusable="false"
      >
        <rect width="24" height="24" rx="7" fill="currentColor" />
        <circle cx="11.5" cy="11.5" r="5.25" fill="none" stroke="var(--on-accent)" strokeWidth="2.5" />
        <path d="M14.5 14.5 18 18" stroke="var(--on-accent)" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <span className="brand-name">{title}</span>
    </span>
  );
}
