using System.Text;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Events;

namespace Yoi.Tests.Protocol;

public sealed class WorkerEventJsonTests
{
    public static TheoryData<string, WorkerEvent> Variants => new()
    {
        { """{"event":"user_message","data":{"text":"hi"}}""", new UserMessageEvent("hi") },
        { """{"event":"turn_start","data":{"turn":1}}""", new TurnStartEvent(1) },
        { """{"event":"turn_end","data":{"turn":2,"result":"tool_use"}}""", new TurnEndEvent(2, "tool_use") },
        { """{"event":"text_delta","data":{"text":"Hel"}}""", new TextDeltaEvent("Hel") },
        { """{"event":"text_done","data":{"text":"Hello"}}""", new TextDoneEvent("Hello") },
        { """{"event":"thinking_start","data":{}}""", new ThinkingStartEvent() },
        { """{"event":"thinking_delta","data":{"text":"hm"}}""", new ThinkingDeltaEvent("hm") },
        { """{"event":"thinking_done","data":{"text":"hmm"}}""", new ThinkingDoneEvent("hmm") },
        { """{"event":"tool_call_start","data":{"id":"c1","name":"clock"}}""", new ToolCallStartEvent("c1", "clock") },
        { """{"event":"tool_call_args_delta","data":{"id":"c1","json":"{\"a\":"}}""", new ToolCallArgsDeltaEvent("c1", "{\"a\":") },
        { """{"event":"tool_call_done","data":{"id":"c1","name":"calc","arguments":"{\"a\":1}"}}""", new ToolCallDoneEvent("c1", "calc", "{\"a\":1}") },
        { """{"event":"tool_result","data":{"id":"c1","output":"2","is_error":false}}""", new ToolResultEvent("c1", "2", false) },
        { """{"event":"run_start","data":{"run_id":"r1"}}""", new RunStartEvent("r1") },
        { """{"event":"run_end","data":{"run_id":"r1","result":"limit_reached"}}""", new RunEndEvent("r1", RunResults.LimitReached) },
        { """{"event":"usage","data":{"input_tokens":12,"output_tokens":9000000000}}""", new UsageEvent(12, 9_000_000_000) },
        { """{"event":"error","data":{"code":"provider_error","message":"boom"}}""", new ErrorEvent(ErrorCodes.ProviderError, "boom") },
        { """{"event":"status","data":{"status":"running"}}""", new StatusEvent(WorkerStatuses.Running) },
        { """{"event":"worker_created","data":{"worker_id":"w1","provider":"scripted","created_at":"2026-01-02T03:04:05+00:00"}}""",
            new WorkerCreatedEvent("w1", "scripted", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)) },
        { """{"event":"worker_stopped","data":{"worker_id":"w1","reason":"requested"}}""", new WorkerStoppedEvent("w1", "requested") },
        { """{"event":"diagnostic","data":{"code":"run_interrupted","message":"restart"}}""", new DiagnosticEvent(DiagnosticCodes.RunInterrupted, "restart") },
    };

    [Fact]
    public void Serializing_reuses_nothing_a_caller_holds_after_a_large_event_or_a_failed_write()
    {
        var small = new TextDeltaEvent("a");
        var first = WorkerEventJson.SerializeToUtf8Bytes(small);
        var large = WorkerEventJson.SerializeToUtf8Bytes(new TextDeltaEvent(new string('x', 100_000)));
        Assert.Throws<ArgumentNullException>(() => WorkerEventJson.SerializeToUtf8Bytes(null!));
        var again = WorkerEventJson.SerializeToUtf8Bytes(small);

        Assert.Equal("""{"event":"text_delta","data":{"text":"a"}}""", Encoding.UTF8.GetString(again));
        Assert.Equal(first, again);
        Assert.NotSame(first, again);
        Assert.Equal(100_000 + """{"event":"text_delta","data":{"text":""}}""".Length, large.Length);
    }

    [Fact]
    public async Task Serializing_on_many_threads_at_once_gives_each_event_its_own_exact_bytes()
    {
        var events = Enumerable.Range(0, 2_000).Select(i => (WorkerEvent)(i % 2 == 0 ? new TextDeltaEvent($"t{i}") : new TurnStartEvent(i))).ToArray();
        var expected = events.Select(e => e is TextDeltaEvent d
            ? $$$"""{"event":"text_delta","data":{"text":"{{{d.Text}}}"}}"""
            : $$$"""{"event":"turn_start","data":{"turn":{{{((TurnStartEvent)e).Turn}}}}}""").ToArray();
        var results = new byte[events.Length][];
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = t; i < events.Length; i += 8) results[i] = WorkerEventJson.SerializeToUtf8Bytes(events[i]);
        })));
        Assert.Equal(expected, results.Select(r => Encoding.UTF8.GetString(r)));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_variant_round_trips_through_its_exact_wire_form(string json, WorkerEvent expected)
    {
        Assert.Equal(json, WorkerEventJson.Serialize(expected));
        var read = WorkerEventJson.Deserialize(Encoding.UTF8.GetBytes(json));
        Assert.Equal(expected, read);
        Assert.Equal(expected.Kind, read.Kind);
        Assert.Same(expected.Kind, WorkerEventJson.PeekKind(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Variants_cover_every_known_kind()
    {
        var kinds = Variants.Select(row => ((WorkerEvent)row.Data.Item2).Kind).ToHashSet();
        Assert.Equal(EventKinds.All.ToHashSet(), kinds);
    }

    [Theory]
    [InlineData("""{"event":"future_thing","data":{"a":[1,2,{"b":null}],"c":"\u00e9"}}""")]
    [InlineData("""{"event":"future_thing","data":42}""")]
    [InlineData("""{"event":"future_thing"}""")]
    [InlineData("""{"data":{"x":true},"event":"future_thing"}""")]
    public void Unknown_variants_survive_read_and_write(string json)
    {
        var read = WorkerEventJson.Deserialize(Encoding.UTF8.GetBytes(json));
        var unknown = Assert.IsType<UnknownEvent>(read);
        Assert.Equal("future_thing", unknown.Kind);
        var written = WorkerEventJson.SerializeToUtf8Bytes(unknown);
        using var original = JsonDocument.Parse(json);
        using var rewritten = JsonDocument.Parse(written);
        Assert.True(JsonElement.DeepEquals(original.RootElement, rewritten.RootElement), Encoding.UTF8.GetString(written));
        Assert.Equal(unknown, WorkerEventJson.Deserialize(written));
        Assert.Equal("future_thing", WorkerEventJson.PeekKind(written));
    }

    [Theory]
    [InlineData("""{"data":{"text":"a"},"event":"text_delta"}""")]
    [InlineData("""{"extra":[1,{"x":2}],"event":"text_delta","data":{"text":"a","later":{"y":1}}}""")]
    [InlineData(""" { "event" : "text_delta" , "data" : { "text" : "a" } } """)]
    public void Reading_accepts_any_property_order_extra_fields_and_whitespace(string json)
    {
        Assert.Equal(new TextDeltaEvent("a"), WorkerEventJson.Deserialize(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Thinking_start_without_data_reads()
    {
        Assert.Equal(new ThinkingStartEvent(), WorkerEventJson.Deserialize("""{"event":"thinking_start"}"""u8));
    }

    [Fact]
    public void Escaped_kind_is_recognised()
    {
        var json = """{"event":"text\u005fdelta","data":{"text":"a"}}"""u8;
        Assert.Equal(new TextDeltaEvent("a"), WorkerEventJson.Deserialize(json));
        Assert.Same(EventKinds.TextDelta, WorkerEventJson.PeekKind(json));
    }

    public static TheoryData<string> Malformed => new()
    {
        "",
        "   ",
        "not json",
        "{",
        "[]",
        "null",
        "\"text_delta\"",
        """{"data":{"text":"a"}}""",
        """{"event":5,"data":{"text":"a"}}""",
        """{"event":null,"data":{"text":"a"}}""",
        """{"event":"","data":{}}""",
        """{"event":"text_delta","event":"text_delta","data":{"text":"a"}}""",
        """{"event":"text_delta","data":{"text":"a"},"data":{"text":"b"}}""",
        """{"event":"text_delta","data":{"text":5}}""",
        """{"event":"text_delta","data":{"text":null}}""",
        """{"event":"text_delta","data":{}}""",
        """{"event":"text_delta"}""",
        """{"event":"text_delta","data":"a"}""",
        """{"event":"text_delta","data":null}""",
        """{"event":"text_delta","data":[]}""",
        """{"data":[],"event":"text_delta"}""",
        """{"event":"turn_start","data":{"turn":"1"}}""",
        """{"event":"turn_start","data":{"turn":1.5}}""",
        """{"event":"turn_start","data":{"turn":99999999999}}""",
        """{"event":"tool_result","data":{"id":"c","output":"o","is_error":"no"}}""",
        """{"event":"worker_created","data":{"worker_id":"w","provider":"p","created_at":"yesterday"}}""",
        """{"event":"text_delta","data":{"text":"a"}} trailing""",
        """{"event":"text_delta","data":{"text":"a"}}{}""",
        """{"event":"text_delta","data":{"text":"a"}""",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_throws_a_protocol_format_exception(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var ex = Assert.Throws<ProtocolFormatException>(() => WorkerEventJson.Deserialize(bytes));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.False(WorkerEventJson.TryDeserialize(bytes, out var e, out var error));
        Assert.Null(e);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("future_thing")]
    [InlineData("text_delta")]
    public void Huge_nesting_is_rejected(string kind)
    {
        var json = "{\"event\":\"" + kind + "\",\"data\":{\"text\":" + new string('[', 100_000) + new string(']', 100_000) + "}}";
        Assert.Throws<ProtocolFormatException>(() => WorkerEventJson.Deserialize(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        byte[] bytes = [.. "{\"event\":\"text_delta\",\"data\":{\"text\":\""u8, 0xC3, 0x28, .. "\"}}"u8];
        Assert.Throws<ProtocolFormatException>(() => WorkerEventJson.Deserialize(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"event":5}""")]
    [InlineData("""{"x":[1,2,""")]
    public void Peek_kind_returns_null_for_non_events(string json)
    {
        Assert.Null(WorkerEventJson.PeekKind(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Peek_kind_skips_earlier_properties_and_allocates_nothing_for_known_kinds()
    {
        var json = """{"meta":{"a":[1,2,3]},"event":"run_end","data":{"run_id":"r","result":"finished"}}"""u8.ToArray();
        Assert.Same(EventKinds.RunEnd, WorkerEventJson.PeekKind(json));
        WorkerEventJson.PeekKind(json);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) WorkerEventJson.PeekKind(json);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Events_nest_in_other_serialized_types_through_the_converter()
    {
        WorkerEvent e = new ToolResultEvent("c1", "out", true);
        var json = JsonSerializer.Serialize(e, ProtocolJsonContext.Default.WorkerEvent);
        Assert.Equal("""{"event":"tool_result","data":{"id":"c1","output":"out","is_error":true}}""", json);
        Assert.Equal(e, JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.WorkerEvent));
    }

    [Fact]
    public void Write_refuses_nothing_it_can_read()
    {
        var unknown = new UnknownEvent("x", default);
        Assert.Equal("""{"event":"x"}""", WorkerEventJson.Serialize(unknown));
    }

    [Fact]
    public void Mutated_input_either_reads_or_throws_a_protocol_format_exception()
    {
        var random = new Random(7);
        var seeds = Variants.Select(row => Encoding.UTF8.GetBytes((string)row.Data.Item1))
            .Append("""{"event":"future","data":{"a":[1,"\u00e9",{"b":null}]}}"""u8.ToArray())
            .ToArray();
        byte[] alphabet = [.. "{}[]\":,\\ 0123456789-.eEtrufalsn"u8, 0x80, 0xC3, 0xFF, 0x00];
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = seeds[random.Next(seeds.Length)].ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(bytes.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when bytes.Count > 0 && at < bytes.Count: bytes.RemoveAt(at); break;
                    case 1 when at < bytes.Count: bytes[at] = alphabet[random.Next(alphabet.Length)]; break;
                    default: bytes.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
            }
            var input = bytes.ToArray();
            try
            {
                var read = WorkerEventJson.Deserialize(input);
                Assert.Equal(read, WorkerEventJson.Deserialize(WorkerEventJson.SerializeToUtf8Bytes(read)));
            }
            catch (ProtocolFormatException)
            {
            }
            WorkerEventJson.PeekKind(input);
        }
    }
}
