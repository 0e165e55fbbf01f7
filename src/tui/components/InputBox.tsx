import { Box, Text } from "ink";
import { memo } from "react";
import { cellAt, type EditorState } from "../editor.js";
import { inputWindow } from "../input-window.js";
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
  const under = cellAt(text, cursorAt);
  return (
    <Text>
      {text.slice(0, cursorAt)}
      <Cursor under={under || " "} />
      {text.slice(cursorAt + under.length)}
    </Text>
  );
}

/**
 * The prompt editor: `> ` on the first line, the cursor drawn in inverse video. An input taller
 * than `maxRows` shows the rows around the cursor and says how much is out of sight.
 */
export const InputBox = memo(function InputBox({
  editor,
  placeholder,
  columns,
  maxRows,
}: {
  editor: EditorState;
  placeholder: string | undefined;
  columns: number;
  maxRows: number;
}) {
  const { rows, above, below } = inputWindow(editor.text, editor.cursor, columns, maxRows);
  return (
    <Box flexDirection="column" marginTop={1}>
      {above !== undefined && <Text dimColor>{`  ${above}`}</Text>}
      {rows.map((row, i) => (
        <Box key={i}>
          <Text color={theme.prompt}>{row.first ? "> " : "  "}</Text>
          {editor.text === "" && placeholder ? (
            <Text>
              <Cursor under=" " />
              <Text dimColor>{placeholder}</Text>
            </Text>
          ) : (
            <Line text={row.text} cursorAt={row.cursorAt} />
          )}
        </Box>
      ))}
      {below !== undefined && <Text dimColor>{`  ${below}`}</Text>}
    </Box>
  );
});
