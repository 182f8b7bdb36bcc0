/**
 * Small formatting rules shared by the API and the payment page, each copied from what Khalti
 * shows: timestamps in Nepal time with microseconds, rupees from paisa, masked mobiles.
 */

/** Nepal Standard Time is UTC+05:45 all year (no daylight saving). */
const NEPAL_OFFSET_MINUTES = 5 * 60 + 45;

/**
 * Khalti's `expires_at` looks like "2023-05-25T16:26:16.471649+05:45": Nepal local time,
 * microseconds, explicit offset. JavaScript has milliseconds only, so the last three digits are 0.
 */
export function toNepalIso(date: Date): string {
  const local = new Date(date.getTime() + NEPAL_OFFSET_MINUTES * 60_000);
  const base = local.toISOString().slice(0, 23); // "YYYY-MM-DDTHH:mm:ss.SSS", shifted to Nepal time
  return `${base}000+05:45`;
}

/** Paisa -> "Rs. 1,300.00", grouped the South Asian way (1,00,000) as Nepali prices are. */
export function formatRupees(paisa: number): string {
  const negative = paisa < 0;
  const abs = Math.abs(Math.trunc(paisa));
  const rupees = String(Math.floor(abs / 100));
  const cents = String(abs % 100).padStart(2, '0');
  const lastThree = rupees.slice(-3);
  const rest = rupees.slice(0, -3);
  const grouped = rest ? `${rest.replace(/\B(?=(\d{2})+(?!\d))/g, ',')},${lastThree}` : lastThree;
  return `Rs. ${negative ? '-' : ''}${grouped}.${cents}`;
}

/** Khalti's callback masks the payer: "9800000904" -> "98XXXXX904". */
export function maskMobile(mobile: string): string {
  if (mobile.length < 6) return mobile;
  return mobile.slice(0, 2) + 'X'.repeat(mobile.length - 5) + mobile.slice(-3);
}
