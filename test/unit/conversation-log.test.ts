import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Reply } from "../../src/chat/events.ts";
import { DEFAULT_PARAMS } from "../../src/chat/params.ts";
import type { Message } from "../../src/chat/types.ts";
import { ConversationLog } from "../../src/core/recorder.ts";
import { toSessionMessages } from "../../src/store/conversation-export.ts";
import { modelIdentity } from "../../src/store/conversation-writer.ts";
import { readConversation } from "../../src/store/conversations.ts";
import { tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

process.env.PARLEY_HOME = tempHome();

function done(message: Message): Reply {
  return {
    id: "chatcmpl-x",
    created: 0,
    model: "m",
    message,
    finishReason: "stop",
    interrupted: false,
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    timings: {
      prompt_n: 1,
      prompt_ms: 1,
      prompt_per_token_ms: 1,
      prompt_per_second: 1,
      predicted_n: 1,
      predicted_ms: 1,
      predicted_per_token_ms: 1,
      predicted_per_second: 1,
    },
  };
}

describe("conversation log", () => {
  it("follows the session through replies, undo, retry and a new system prompt", () => {
    const session: Message[] = [{ role: "system", content: "Be kind." }];
    const log = new ConversationLog(session, {
      model: modelIdentity(fixture("script")),
      template: "ChatML",
      params: DEFAULT_PARAMS,
      source: "chat",
    });
    const saved = () => toSessionMessages(readConversation(log.id));
    const exchange = (q: string, a: string) => {
      session.push({ role: "user", content: q });
      log.sync(session);
      session.push({ role: "assistant", content: a });
      log.reply(done(session.at(-1)!), session);
    };
    exchange("one", "first answer");
    exchange("two", "second answer");
    assert.deepEqual(saved(), session);
    session.splice(-2); // undo
    log.sync(session);
    assert.deepEqual(saved(), session);
    exchange("three", "third answer");
    session.pop(); // retry: the reply is written again
    session.push({ role: "assistant", content: "third answer, again" });
    log.reply(done(session.at(-1)!), session);
    assert.deepEqual(saved(), session);
    session.at(-1)!.content += " (continued in place)";
    log.sync(session);
    assert.deepEqual(saved(), session);
    session[0] = { role: "system", content: "Be brief." };
    log.sync(session);
    assert.deepEqual(saved(), session);
    log.close();
  });
});
