// A CHANGELOG.md section split into the few shapes changelogs use (headings, bullet lists,
// paragraphs), so the UI can lay them out without rendering Markdown: every block stays plain
// text that Vue escapes, and anything else (links, emphasis, HTML) is shown as written.

export type ChangelogBlock = { kind: 'heading'; text: string } | { kind: 'list'; items: string[] } | { kind: 'paragraph'; text: string };

const HEADING = /^#{1,6}\s+(.*)$/;
const ITEM = /^\s*[-*+]\s+(.*)$/;

export function changelogBlocks(text: string): ChangelogBlock[] {
  const blocks: ChangelogBlock[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join('\n') });
    paragraph = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    const item = ITEM.exec(line);
    const last = blocks.at(-1);
    if (heading) {
      endParagraph();
      blocks.push({ kind: 'heading', text: heading[1]!.trim() });
    } else if (item) {
      endParagraph();
      if (last?.kind === 'list') last.items.push(item[1]!);
      else blocks.push({ kind: 'list', items: [item[1]!] });
    } else if (line.trim() === '') {
      endParagraph();
    } else if (paragraph.length === 0 && last?.kind === 'list' && /^\s{2,}\S/.test(line)) {
      // An indented line under a bullet continues that bullet.
      last.items[last.items.length - 1] += ` ${line.trim()}`;
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return blocks;
}
