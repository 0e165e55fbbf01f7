import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parleyPaths } from "../../src/store/paths.ts";

describe("parleyPaths", () => {
  it("puts everything under PARLEY_HOME", () => {
    const p = parleyPaths({
      env: { PARLEY_HOME: "/tmp/ph", XDG_CONFIG_HOME: "/x" },
      platform: "linux",
      home: "/home/u",
    });
    assert.equal(p.home, "/tmp/ph");
    assert.equal(p.configFile, "/tmp/ph/config.json");
    assert.equal(p.presetsFile, "/tmp/ph/presets.json");
    assert.equal(p.conversations, "/tmp/ph/conversations");
    assert.equal(p.inputHistory, "/tmp/ph/input-history.jsonl");
    assert.equal(p.models, "/tmp/ph/models");
    assert.equal(p.snapshots, "/tmp/ph/snapshots");
    assert.equal(p.templates, "/tmp/ph/templates.json");
    assert.equal(p.binaryTests, "/tmp/ph/binary-tests.json");
  });

  it("makes a relative PARLEY_HOME absolute", () => {
    const p = parleyPaths({ env: { PARLEY_HOME: "rel/home" }, platform: "linux", home: "/home/u" });
    assert.equal(p.home, `${process.cwd()}/rel/home`);
  });

  it("uses the XDG folders on Linux", () => {
    const p = parleyPaths({
      env: { XDG_CONFIG_HOME: "/cfg", XDG_DATA_HOME: "/data" },
      platform: "linux",
      home: "/home/u",
    });
    assert.equal(p.home, undefined);
    assert.equal(p.configFile, "/cfg/parley/config.json");
    assert.equal(p.conversations, "/data/parley/conversations");
  });

  it("falls back to ~/.config and ~/.local/share, ignoring relative XDG paths", () => {
    const p = parleyPaths({ env: { XDG_CONFIG_HOME: "relative" }, platform: "linux", home: "/home/u" });
    assert.equal(p.config, "/home/u/.config/parley");
    assert.equal(p.data, "/home/u/.local/share/parley");
  });

  it("uses Library folders on macOS", () => {
    const p = parleyPaths({ env: {}, platform: "darwin", home: "/Users/u" });
    assert.equal(p.config, "/Users/u/Library/Preferences/parley");
    assert.equal(p.data, "/Users/u/Library/Application Support/parley");
  });

  it("uses AppData on Windows", () => {
    const p = parleyPaths({
      env: { APPDATA: "C:\\Users\\u\\AppData\\Roaming", LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" },
      platform: "win32",
      home: "C:\\Users\\u",
    });
    assert.equal(p.configFile, "C:\\Users\\u\\AppData\\Roaming\\parley\\config.json");
    assert.equal(p.models, "C:\\Users\\u\\AppData\\Local\\parley\\models");
  });
});
