/**
 * CoRE Link Format (RFC 6690 §2) parser and writer, as LwM2M uses it in Register/Update payloads,
 * Discover and Bootstrap-Discover (spec digest data-formats.md §7): `<uri>;p=v;p="q",<uri>...`.
 * Whitespace after commas is allowed, unknown parameters are kept, quoted values may hold , and ;.
 */

export interface Link {
  uri: string;
  /** Parameter values without quotes; a parameter without a value is `true`. */
  params: Record<string, string | true>;
}

/** Thrown for text that is not link-format; `offset` is where parsing stopped. */
export class LinkFormatError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "LinkFormatError";
    this.offset = offset;
  }
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

export function parseLinkFormat(text: string): Link[] {
  const links: Link[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && isSpace(text[i])) i++;
  };
  skipSpace();
  if (i === n) return links;
  for (;;) {
    skipSpace();
    if (text[i] !== "<") throw new LinkFormatError("expected '<'", i);
    const close = text.indexOf(">", i + 1);
    if (close < 0) throw new LinkFormatError("unterminated '<'", i);
    const link: Link = { uri: text.slice(i + 1, close), params: {} };
    i = close + 1;
    while (i < n && text[i] === ";") {
      i++;
      const start = i;
      while (i < n && text[i] !== "=" && text[i] !== ";" && text[i] !== ",") i++;
      const name = text.slice(start, i).trim();
      if (name === "") throw new LinkFormatError("empty parameter name", start);
      if (text[i] !== "=") {
        link.params[name] = true;
        continue;
      }
      i++;
      if (text[i] === '"') {
        let value = "";
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < n) i++;
          value += text[i++];
        }
        if (i >= n) throw new LinkFormatError("unterminated quoted value", start);
        i++;
        link.params[name] = value;
      } else {
        const vs = i;
        while (i < n && text[i] !== ";" && text[i] !== ",") i++;
        link.params[name] = text.slice(vs, i).trim();
      }
    }
    links.push(link);
    skipSpace();
    if (i >= n) return links;
    if (text[i] !== ",") throw new LinkFormatError("expected ',' or ';'", i);
    i++;
  }
}

/** Values that are not plain tokens are quoted (RFC 6690 §2 link-extension). */
export function formatLinkFormat(links: readonly Link[]): string {
  return links.map((link) => {
    let s = `<${link.uri}>`;
    for (const [name, value] of Object.entries(link.params)) {
      if (value === true) s += `;${name}`;
      else if (/^[A-Za-z0-9.!#$%&'*+\-^_`|~:/]+$/.test(value)) s += `;${name}=${value}`;
      else s += `;${name}="${value.replace(/(["\\])/g, "\\$1")}"`;
    }
    return s;
  }).join(",");
}
