import { LineageError } from '../errors.js';

/** A CSV table: the header row and the data rows, every row as long as the header. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * Parse CSV text (RFC 4180: comma-separated, fields optionally in double quotes with "" for a
 * quote; LF or CRLF line ends). `file` names the source in errors.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const header = records[0];
  if (!header || header.every((cell) => cell === '')) {
    throw new LineageError(`${file} is empty: no CSV header row`, 'write a header row (e.g. index,label,file) followed by one row per image');
  }
  const rows = records.slice(1).filter((row) => !(row.length === 1 && row[0] === ''));
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new LineageError(
        `${file} line ${i + 2} has ${row.length} fields, the header has ${header.length}`,
        'give every row the same columns as the header (quote fields that contain commas)',
      );
    }
  });
  return { header, rows };
}

/** Index of the first of `candidates` present in the header, or -1. */
export function findColumn(table: CsvTable, candidates: readonly string[]): number {
  const lower = table.header.map((h) => h.trim().toLowerCase());
  for (const name of candidates) {
    const at = lower.indexOf(name);
    if (at >= 0) return at;
  }
  return -1;
}

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
