/**
 * The first thing a new shopper sees (opened once, on install): what QuickPay is in three lines, and
 * the one step that makes it useful — adding a Paycard from their bank. Nothing here needs the
 * service worker, so the page shows at once even while the Wallet is still registering.
 */
import { Brand } from "../shared/Brand";

const points: { title: string; text: string }[] = [
  {
    title: "Pay with one click",
    text: "When a page offers something for a few cents, you see the price and approve it here — no card numbers, no sign-up at the shop.",
  },
  {
    title: "Your bank stays in charge",
    text: "A Paycard connects an account you already have. Your bank holds the money, approves each payment and shows it in its statement.",
  },
  {
    title: "Shops never learn who you are",
    text: "A shop gets paid and hands over what you bought. It never sees your name, your account or your other purchases.",
  },
];

export function Onboarding({ optionsUrl = "options.html#paycards" }: { optionsUrl?: string }) {
  return (
    <div className="onboarding-page">
      <header className="options-header">
        <div className="options-header-inner">
          <Brand />
        </div>
      </header>
      <main className="onboarding-main">
        <h1 className="onboarding-title">Welcome to QuickPay</h1>
        <p className="onboarding-lede">
          Pay for articles, songs and other small things on the web, straight from your browser.
        </p>
        <ol className="onboarding-points" aria-label="How QuickPay works">
          {points.map((p, i) => (
            <li key={p.title} className="onboarding-point">
              <span className="onboarding-step" aria-hidden="true">
                {i + 1}
              </span>
              <span>
                <strong>{p.title}</strong>
                <span className="onboarding-text">{p.text}</span>
              </span>
            </li>
          ))}
        </ol>
        <section className="panel onboarding-cta" aria-labelledby="first-paycard">
          <h2 id="first-paycard">Add your first Paycard</h2>
          <p className="section-lede">
            Choose your bank and sign in with the details it gave you. It takes about a minute, and you can
            remove the card at any time.
          </p>
          <div className="actions actions--start">
            <a
              className="button button--primary button--large"
              href={optionsUrl}
              data-testid="onboarding-add-paycard"
            >
              Add a Paycard
            </a>
            <a className="button button--large" href="options.html#backup" data-testid="onboarding-restore">
              Restore a backup
            </a>
          </div>
        </section>
        <p className="fineprint">
          You can open the Wallet any time from the QuickPay icon in your browser's toolbar.
        </p>
      </main>
    </div>
  );
}
