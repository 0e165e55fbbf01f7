import { Box, Text } from "ink";
import { memo } from "react";
import type { EditorState } from "../editor.js";
import { theme } from "../theme.js";

/**
 * The cursor cell in inverse video, written as its own escape sequence: inverse is no colour,
 * so it stays when NO_COLOR turns colours (and Ink's styles with them) off.
 */
export const CURSOR_ON = "\u001b[7m";
export const CURSOR_OFF = "\u001b[27m";

function Cursor({ under }: { under: string }) {
  return <Text>{`${CURSOR_ON}${under}${CURSOR_OFF}`}</Text>;
}

function Line({ text, cursorAt }: { text: string; cursorAt: number | undefined }) {
  if (cursorAt === undefined) return <Text>{text || " "}</Text>;
  const under = text.slice(cursorAt, cursorAt + 1) || " ";
  return (
    <Text>
      {text.slice(0, cursorAt)}
      <Cursor under={under} />
      {text.slice(cursorAt + 1)}
    </Text>
  );
}

/** The prompt editor: `> ` on the first line, the cursor drawn in inverse video. */
export const InputBox = memo(function InputBox({
  editor,
  placeholder,
}: {
  editor: EditorState;
  placeholder: string | undefined;
}) {
  const lines = editor.text.split("\n");
  let offset = 0;
  return (
    <Box flexDirection="column" marginTop={1}>
      {lines.map((line, i) => {
        const start = offset;
        offset += line.length + 1;
        const here = editor.cursor >= start && editor.cursor <= start + line.length ? editor.cursor - start : undefined;
        return (
          <Box key={i}>
            <Text color={theme.prompt}>{i === 0 ? "> " : "  "}</Text>
            {editor.text === "" && placeholder ? (
              <Text>
                <Cursor under=" " />
                <Text dimColor>{placeholder}</Text>
              </Text>
            ) : (
              <Line text={line} cursorAt={here} />
            )}
          </Box>
        );
      })}
    </Box>
  );
});
