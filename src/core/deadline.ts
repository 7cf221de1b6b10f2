// When a request must be answered. GDPR Art. 12(3) gives "one month of receipt of the request",
// extendable "by two further months where necessary". A period expressed in months ends with the
// last hour of the day, in the last month, that has the same date as the day the period began —
// or of that month's last day when it has no such date (Regulation 1182/71, Art. 3(2)(c)):
// received 31 January, due 28 February (29 in a leap year). Days are UTC days.

const DAY_MS = 86_400_000;

/** The last millisecond of the UTC day `date` falls on. */
function endOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) + DAY_MS - 1);
}

/** The end of the period of `months` calendar months that begins on the day of `start`. */
export function monthsAfter(start: Date, months: number): Date {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate(); // the last date of the target month
  return endOfDay(new Date(Date.UTC(y, m, Math.min(start.getUTCDate(), last))));
}

/** The end of the period of `days` days that begins on the day of `start`. */
export function daysAfter(start: Date, days: number): Date {
  return endOfDay(new Date(start.getTime() + days * DAY_MS));
}

/**
 * The due date of a request received at `received`: one calendar month, or `responseDays` days
 * when the controller set a shorter deadline of its own; `extendedBy` further months (Art. 12(3)).
 */
export function dueDate(received: Date, opts: { responseDays?: number | undefined; extendedByMonths?: number }): Date {
  const extra = opts.extendedByMonths ?? 0;
  if (opts.responseDays !== undefined) {
    const first = daysAfter(received, opts.responseDays);
    return extra > 0 ? monthsAfter(first, extra) : first;
  }
  return monthsAfter(received, 1 + extra);
}
