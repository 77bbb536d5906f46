/**
 * A small, strict XML reader for the launch-file test (no XML dependency in the project): elements, attributes
 * (single or double quotes), self-closing tags, comments, an optional <?xml …?> declaration, and the five
 * predefined entities. Anything else — a stray '<', an unclosed or mismatched tag, a duplicate attribute, text
 * outside the root — is an error naming the line, as ros2 launch's XML parser would refuse it.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly line: number;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string, line: number): string {
  return text.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    if (name && name in ENTITIES) return ENTITIES[name]!;
    throw new Error(`line ${line}: bad entity '${m}'`);
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const lineAt = (k: number) => text.slice(0, k).split('\n').length;
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(text.slice(i))![0].length;
      i += ws;
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end < 0) throw new Error(`line ${lineAt(i)}: unclosed comment`);
        if (text.slice(i + 4, end).includes('--'))
          throw new Error(`line ${lineAt(i)}: '--' inside a comment`);
        i = end + 3;
      } else if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end < 0) throw new Error(`line ${lineAt(i)}: unclosed processing instruction`);
        i = end + 2;
      } else return;
    }
  };

  const element = (): XmlElement => {
    const line = lineAt(i);
    if (text[i] !== '<') throw new Error(`line ${line}: expected '<'`);
    i++;
    const name = NAME.exec(text.slice(i))?.[0];
    if (!name) throw new Error(`line ${line}: expected an element name`);
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(text.slice(i))![0].length;
      i += ws;
      if (text.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], line };
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (ws === 0)
        throw new Error(`line ${lineAt(i)}: expected whitespace before an attribute in <${name}>`);
      const attr = NAME.exec(text.slice(i))?.[0];
      if (!attr) throw new Error(`line ${lineAt(i)}: bad attribute in <${name}>`);
      i += attr.length;
      const m = /^\s*=\s*(["'])/.exec(text.slice(i));
      if (!m) throw new Error(`line ${lineAt(i)}: attribute '${attr}' of <${name}> needs ="value"`);
      i += m[0].length;
      const end = text.indexOf(m[1]!, i);
      if (end < 0) throw new Error(`line ${lineAt(i)}: unclosed value of '${attr}'`);
      const raw = text.slice(i, end);
      if (raw.includes('<')) throw new Error(`line ${lineAt(i)}: '<' in the value of '${attr}'`);
      if (attr in attributes)
        throw new Error(`line ${lineAt(i)}: duplicate attribute '${attr}' in <${name}>`);
      attributes[attr] = decode(raw, lineAt(i));
      i = end + 1;
    }
    const children: XmlElement[] = [];
    for (;;) {
      const next = text.indexOf('<', i);
      if (next < 0) throw new Error(`line ${line}: <${name}> is never closed`);
      decode(text.slice(i, next), lineAt(i));
      i = next;
      if (text.startsWith('<!--', i) || text.startsWith('<?', i)) {
        skipMisc();
        continue;
      }
      if (text.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(i));
        if (!close) throw new Error(`line ${lineAt(i)}: bad closing tag`);
        if (close[1] !== name) {
          throw new Error(`line ${lineAt(i)}: </${close[1]}> closes <${name}> (opened on line ${line})`);
        }
        i += close[0].length;
        return { name, attributes, children, line };
      }
      children.push(element());
    }
  };

  skipMisc();
  const root = element();
  skipMisc();
  if (i !== text.length) throw new Error(`line ${lineAt(i)}: content after the root element`);
  return root;
}
