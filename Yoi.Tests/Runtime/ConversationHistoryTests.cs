using Microsoft.Extensions.AI;
using Yoi.Protocol;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;
using Yoi.Runtime.Providers;

namespace Yoi.Tests.Runtime;

/// <summary>The conversation a model is sent, rebuilt from a transcript (no server needed).</summary>
public sealed class ConversationHistoryTests
{
    [Fact]
    public void Each_response_of_a_run_becomes_an_assistant_message_followed_by_its_tool_results()
    {
        var transcript = TranscriptFold.Fold(
        [
            new UserMessageEvent("what is 6*7 and the time?"),
            new RunStartEvent("r-1"),
            new ThinkingStartEvent(), new ThinkingDeltaEvent("hm"), new ThinkingDoneEvent("hm"),
            new TextDeltaEvent("Computing."), new TextDoneEvent("Computing."),
            new ToolCallStartEvent("a", "calc"), new ToolCallDoneEvent("a", "calc", """{"expression":"6*7"}"""),
            new ToolCallStartEvent("b", "clock"), new ToolCallDoneEvent("b", "clock", "{}"),
            new ToolResultEvent("a", "42", false), new ToolResultEvent("b", "no clock", true),
            new TextDeltaEvent("42, time unknown."), new TextDoneEvent("42, time unknown."),
            new RunEndEvent("r-1", RunResults.Finished),
            new UserMessageEvent("thanks"),
        ]).ToSnapshot().Transcript;

        var messages = ConversationHistory.Build("be brief", transcript);

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal("be brief", messages[0].Text);
        Assert.Equal("Computing.", messages[2].Text);
        var calls = messages[2].Contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal([("a", "calc"), ("b", "clock")], calls.Select(c => (c.CallId, c.Name)));
        Assert.Equal("6*7", calls[0].Arguments!["expression"]!.ToString());
        var results = messages[3].Contents.OfType<FunctionResultContent>().ToList();
        Assert.Equal([("a", "42", false), ("b", "no clock", true)], results.Select(r => (r.CallId, ToolResults.Text(r), ToolResults.IsError(r))));
        Assert.Equal("42, time unknown.", messages[4].Text);
        Assert.Equal("thanks", messages[5].Text);
    }

    [Fact]
    public void A_call_without_a_result_and_thinking_are_not_replayed_and_a_failed_run_keeps_its_user_message()
    {
        var transcript = TranscriptFold.Fold(
        [
            new UserMessageEvent("one"),
            new RunStartEvent("r-1"),
            new ThinkingStartEvent(), new ThinkingDoneEvent("thinking only"),
            new ToolCallStartEvent("a", "calc"), new ToolCallArgsDeltaEvent("a", "{\"expr"),
            new ErrorEvent(ErrorCodes.ProviderError, "cut"),
            new RunEndEvent("r-1", RunResults.Failed),
            new UserMessageEvent("two"),
        ]).ToSnapshot().Transcript;

        var messages = ConversationHistory.Build(null, transcript);

        Assert.Equal([(ChatRole.User, "one"), (ChatRole.User, "two")], messages.Select(m => (m.Role, m.Text)));
    }

    [Fact]
    public void Arguments_that_are_not_a_json_object_parse_to_an_empty_dictionary()
    {
        Assert.Empty(ConversationHistory.ParseArguments("{not json"));
        Assert.Empty(ConversationHistory.ParseArguments("[1,2]"));
        Assert.Equal("x", ConversationHistory.ParseArguments("""{"a":"x"}""")["a"]!.ToString());
    }
}
