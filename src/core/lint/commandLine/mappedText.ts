// Text that a program hands on after its own processing (make's recipe lines, Docker's joined
// RUN lines, a JSON string decoded), with where each of its characters was written in the file.
// The shell (or a reader) works on the handed-on text; its words are then mapped back, so every
// value keeps its range in the file and a fix edits the file itself.
import { shellCommands, type ShellWord } from './shellWords';

export class MappedText {
  private readonly parts: string[] = [];
  /** Where character i of the text was written: file[starts[i], ends[i]). */
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  /** file[from, to), character for character. */
  copy(file: string, from: number, to: number): void {
    this.parts.push(file.slice(from, to));
    for (let i = from; i < to; i++) {
      this.starts.push(i);
      this.ends.push(i + 1);
    }
  }

  /** `s`, every character of it written as file[from, to) (an escape, an expansion). */
  stand(s: string, from: number, to: number): void {
    this.parts.push(s);
    for (let i = 0; i < s.length; i++) {
      this.starts.push(from);
      this.ends.push(to);
    }
  }

  /** The characters from `from` on (each still mapped to where it was written). */
  slice(from: number): MappedText {
    const m = new MappedText();
    m.parts.push(this.text().slice(from));
    for (let i = from; i < this.length; i++) (m.starts.push(this.starts[i]), m.ends.push(this.ends[i]));
    return m;
  }

  /** The characters of a word (a decoded string), each mapped to where the word's character was written. */
  static ofWord(w: ShellWord): MappedText {
    const m = new MappedText();
    m.parts.push(w.value);
    for (let i = 0; i < w.value.length; i++) (m.starts.push(w.starts[i]), m.ends.push(w.ends[i]));
    return m;
  }

  get length(): number {
    return this.starts.length;
  }

  text(): string {
    return this.parts.join('');
  }

  /** A word whose ranges index this text, with its ranges moved to the file. */
  toFile(w: ShellWord): ShellWord {
    return {
      value: w.value,
      starts: w.starts.map((s) => this.starts[s]),
      ends: w.ends.map((e) => this.ends[e - 1]),
      start: this.starts[w.start],
      end: w.end > w.start ? this.ends[w.end - 1] : this.starts[w.start],
    };
  }

  /** The shell's simple commands in this text (those it would run), their words in file ranges. */
  shellCommands(): ShellWord[][] {
    if (this.length === 0) return [];
    return shellCommands(this.text())
      .filter((c) => c.complete)
      .map((c) => c.words.map((w) => this.toFile(w)));
  }
}
