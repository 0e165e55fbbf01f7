/**
 * The command line at its edges: mistyped commands, `help <command...>`, stop texts read the same
 * way everywhere, and names that are built-in object names.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeStopEscapes, parseStopTexts } from "../../src/chat/stop-texts.ts";
import { findCommand } from "../../src/cli/commands/help.ts";
import { otherToolHint } from "../../src/cli/commands/other-tools.ts";
import { flagValues } from "../../src/cli/flags.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { UsageError } from "../../src/errors.ts";
import { configKey, findConfigKey, normalizeKey } from "../../src/settings/keys.ts";
import { readEnvValues } from "../../src/settings/resolve.ts";
import { checkPresetParams, getPreset } from "../../src/store/presets.ts";
import { parseStops } from "../../src/tui/commands/set-param.ts";

describe("a mistyped command is not a prompt", () => {
  const program = buildProgram();
  const hint = (...words: string[]): string | undefined => otherToolHint(words, words, program);

  it("suggests the command for a near miss, alone or with one of its subcommands", () => {
    assert.match(hint("histroy") ?? "", /did you mean "parley history"\?.*parley -- histroy/);
    assert.match(hint("hsitory", "list") ?? "", /did you mean "parley history list"/);
    assert.match(hint("modles", "list") ?? "", /did you mean "parley models list"/);
    assert.match(hint("model", "list") ?? "", /did you mean "parley models list"/);
    assert.match(hint("confg") ?? "", /did you mean "parley config"/);
    assert.match(hint("doctr") ?? "", /did you mean "parley doctor"/);
    assert.match(hint("sevre") ?? "", /did you mean "serve"|did you mean "parley serve"/);
    assert.match(hint("lsit") ?? "", /did you mean "list"/);
  });

  it("leaves ordinary prompts alone", () => {
    for (const words of [["what", "is", "DNS"], ["cat"], ["hello"], ["history", "of", "Rome"], ["model", "trains"]]) {
      if (words[0] === "history") continue; // a real command: Commander's to run
      assert.equal(hint(...words), undefined, words.join(" "));
    }
    assert.equal(otherToolHint(["histroy"], ["--", "histroy"], program), undefined);
    assert.equal(otherToolHint(["hsitory list"], ["hsitory list"], program), undefined);
  });
});

describe("help for any command", () => {
  const program = buildProgram();
  it("finds nested commands and refuses unknown ones with the closest", () => {
    assert.equal(findCommand(program, ["models", "pull"]).name(), "pull");
    assert.equal(findCommand(program, []), program);
    assert.throws(
      () => findCommand(program, ["nosuch"]),
      (e: unknown) => e instanceof UsageError && /unknown command "nosuch"/.test(e.message),
    );
    assert.throws(() => findCommand(program, ["modles"]), /did you mean "models"/);
    assert.throws(() => findCommand(program, ["models", "pul"]), /of "parley models"; did you mean "pull"/);
    const config = program.commands.find((c) => c.name() === "config");
    assert.ok(config);
    assert.equal(findCommand(config, ["set"]).name(), "set");
    assert.throws(() => findCommand(config, ["sett"]), /unknown command "sett" of "parley config"; did you mean "set"/);
  });
});

describe("one reader for stop texts", () => {
  it("reads escapes and JSON arrays alike", () => {
    assert.deepEqual(parseStopTexts("\\n\\n", "--stop"), ["\n\n"]);
    assert.deepEqual(parseStopTexts('a\\tb\\\\c\\"d\\u00e9', "--stop"), ['a\tb\\c"d\u00e9']);
    assert.deepEqual(parseStopTexts('["\\n\\n", "User:"]', "--stop"), ["\n\n", "User:"]);
    assert.deepEqual(parseStopTexts('"\\n"', "--stop"), ["\n"]);
    assert.deepEqual(parseStopTexts("User: ", "--stop"), ["User: "]);
    assert.equal(decodeStopEscapes("C:\\dir"), "C:\\dir");
    assert.throws(() => parseStopTexts("", "--stop"), /--stop.*cannot be empty/);
    assert.throws(() => parseStopTexts('["a", ""]', "--stop"), /--stop.*cannot be empty/);
    assert.deepEqual(parseStopTexts("[]", "PARLEY_STOP"), []);
    assert.throws(() => parseStopTexts("[1]", "PARLEY_STOP"), /PARLEY_STOP/);
    assert.throws(() => parseStopTexts("[oops", "PARLEY_STOP"), /PARLEY_STOP/);
  });

  it("is the one used by flags, config, the environment, presets and /set", () => {
    assert.deepEqual(flagValues({ stop: ["\\n\\n", '["a","b"]'] }).stop, ["\n\n", "a", "b"]);
    assert.deepEqual(configKey("stop").parse("\\n\\n", 'config key "stop"'), ["\n\n"]);
    assert.deepEqual(readEnvValues({ PARLEY_STOP: "\\n\\n" }).stop, ["\n\n"]);
    assert.deepEqual(readEnvValues({ PARLEY_STOP: '["x","y"]' }).stop, ["x", "y"]);
    assert.deepEqual(parseStops('END "two words" \\n\\n'), ["END", "two words", "\n\n"]);
    assert.deepEqual(parseStops('["a b"]'), ["a b"]);
  });
});

describe("built-in object names are ordinary unknown names", () => {
  const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
  it("in config keys, with spaces kept", () => {
    for (const name of names) {
      assert.equal(typeof normalizeKey(name), "string");
      assert.throws(
        () => configKey(name),
        (e: unknown) => e instanceof UsageError && /unknown config key/.test(e.message),
      );
    }
    assert.equal(findConfigKey(normalizeKey("temperature ")), undefined);
    assert.throws(() => configKey("temperature "), /unknown config key "temperature "; did you mean "temperature"/);
    assert.throws(() => configKey(" top-p"), /unknown config key/);
    assert.equal(configKey("top_p").key, "top-p");
  });

  it("in presets and their parameters", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-names-"));
    const file = join(dir, "presets.json");
    writeFileSync(file, JSON.stringify({ version: 1, presets: { a: { system: "x" } } }));
    for (const name of names) {
      assert.throws(
        () => getPreset(name, file),
        (e: unknown) => e instanceof UsageError && /no preset/.test(e.message),
      );
      assert.throws(
        () => checkPresetParams({ [name]: 1 }, "p"),
        (e: unknown) => e instanceof UsageError,
      );
    }
  });
});
