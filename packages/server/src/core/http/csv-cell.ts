/** Defuses a spreadsheet formula (a cell starting with = + - @ or a tab/CR) by prefixing a quote. */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Quotes a cell for CSV and defuses spreadsheet formulas (= + - @ at the start). */
export function csvCell(value: string): string {
  const safe = neutraliseFormula(value);
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
