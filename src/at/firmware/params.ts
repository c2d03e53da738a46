// The AT command-line parameter rules of COMOBJ `at_cmd_parse` / `esp_at_get_para_as_*`
// (reference §1.2): fields split on every `,` not escaped with `\` (even inside quotes), numbers
// decimal / -decimal / 0x-hex, strings wrapped in "…" with `\` escapes, an empty field = OMITTED.

export const OMITTED = Symbol("omitted");
export const FAIL = Symbol("fail");

export type ParaResult<T> = T | typeof OMITTED | typeof FAIL;

/** Splits the text after `=` into raw fields (escapes kept). `""` (nothing) is one empty field. */
export function splitParams(text: string): string[] {
  const fields: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === ",") {
      fields.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  fields.push(cur);
  return fields;
}

/** esp_at_get_para_as_digit: decimal, optional leading `-`, or 0x/0X hex. */
export function paraDigit(fields: string[], index: number): ParaResult<number> {
  if (index >= fields.length) return FAIL;
  const f = fields[index]!;
  if (f === "") return OMITTED;
  let m = /^(-?)0[xX]([0-9a-fA-F]+)$/.exec(f);
  if (m) return (m[1] ? -1 : 1) * parseInt(m[2]!, 16);
  m = /^-?[0-9]+$/.exec(f);
  if (m) return parseInt(f, 10);
  return FAIL;
}

/** esp_at_get_para_as_str: must be "…"; `\x` becomes `x`. */
export function paraStr(fields: string[], index: number): ParaResult<string> {
  if (index >= fields.length) return FAIL;
  const f = fields[index]!;
  if (f === "") return OMITTED;
  if (f.length < 2 || f[0] !== '"' || f[f.length - 1] !== '"' || (f.length > 2 && isEscaped(f, f.length - 1))) return FAIL;
  let out = "";
  for (let i = 1; i < f.length - 1; i++) {
    const c = f[i]!;
    if (c === "\\" && i + 1 < f.length - 1) {
      out += f[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function isEscaped(s: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && s[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

/** Range check the way the firmware does it: unsigned, so a negative value fails. */
export function inRange(v: number, min: number, max: number): boolean {
  return v >= 0 && v >= min && v <= max;
}
