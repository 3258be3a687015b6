using System.Buffers;
using System.Text;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Tests.Protocol;

public sealed class EnvelopeTests
{
    private static string Write(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Event_frame_has_the_exact_shape_and_embeds_the_payload_verbatim()
    {
        var payload = """{ "data" : {"text":"Hel"}, "event":"text_delta" }"""u8.ToArray();
        var json = Write(b => EnvelopeWriter.WriteEventFrame(b, new StreamCursor(1700000000000, 3), "rt-1", "w1", payload));
        Assert.Equal(
            """{"kind":"event","cursor":"1700000000000-3","runtime_id":"rt-1","worker_id":"w1","payload":{ "data" : {"text":"Hel"}, "event":"text_delta" }}""",
            json);

        var frame = Assert.IsType<EventFrame>(ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(FrameKinds.Event, frame.Kind);
        Assert.Equal(new StreamCursor(1700000000000, 3), frame.Cursor);
        Assert.Equal("rt-1", frame.RuntimeId);
        Assert.Equal("w1", frame.WorkerId);
        Assert.Equal(new TextDeltaEvent("Hel"), frame.Payload);
        Assert.Equal(payload, frame.RawPayload.ToArray());
    }

    [Fact]
    public void Event_frame_without_a_worker_leaves_worker_id_out()
    {
        var payload = WorkerEventJson.SerializeToUtf8Bytes(new StatusEvent("idle"));
        var json = Write(b => EnvelopeWriter.WriteEventFrame(b, StreamCursor.Max, "rt-2", null, payload));
        Assert.Equal(
            """{"kind":"event","cursor":"18446744073709551615-18446744073709551615","runtime_id":"rt-2","payload":{"event":"status","data":{"status":"idle"}}}""",
            json);
        var frame = Assert.IsType<EventFrame>(ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Null(frame.WorkerId);
        Assert.Equal(StreamCursor.Max, frame.Cursor);
    }

    [Fact]
    public void Worker_id_null_reads_as_absent()
    {
        var frame = ObservationFrame.Parse("""{"kind":"event","cursor":"1-0","runtime_id":"r","worker_id":null,"payload":{"event":"x"}}"""u8);
        var e = Assert.IsType<EventFrame>(frame);
        Assert.Null(e.WorkerId);
        Assert.Equal("x", Assert.IsType<UnknownEvent>(e.Payload).Kind);
    }

    [Fact]
    public void Payload_is_validated_unless_trusted()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.Throws<ProtocolFormatException>(() =>
            EnvelopeWriter.WriteEventFrame(buffer, StreamCursor.Zero, "rt", "w", """{"event":"""u8));
        Assert.Throws<ProtocolFormatException>(() =>
            EnvelopeWriter.WriteEventFrame(buffer, StreamCursor.Zero, "rt", "w", """{"event":"x"} {}"""u8));
        Assert.Throws<ProtocolFormatException>(() =>
            EnvelopeWriter.WriteEventFrame(buffer, StreamCursor.Zero, "rt", "w", "[1]"u8));
        Assert.Throws<ProtocolFormatException>(() =>
            EnvelopeWriter.WriteEventFrame(buffer, StreamCursor.Zero, "rt", "w", [.. "{\"event\":\"x\",\"data\":\""u8, 0x80, .. "\"}"u8]));
        Assert.Equal(0, buffer.WrittenCount);
        var trusted = Write(b => EnvelopeWriter.WriteEventFrame(b, StreamCursor.Zero, "rt", "w", """{"event":"x"}"""u8, trustedPayload: true));
        Assert.EndsWith("""
            "payload":{"event":"x"}}
            """, trusted);
    }

    [Fact]
    public void Snapshot_frame_has_the_exact_shape()
    {
        var snapshot = new WorkerSnapshot(WorkerStatuses.Running, [new UserEntry("hi")],
            [new AssistantEntry("r1", [new TextPart("Hel", false)], null, null, [])]);
        var json = Write(b => EnvelopeWriter.WriteSnapshotFrame(b, new StreamCursor(5, 0), "rt-1", "w1", snapshot));
        Assert.Equal(
            """{"kind":"snapshot","cursor":"5-0","runtime_id":"rt-1","worker_id":"w1","snapshot":{"status":"running","transcript":[{"role":"user","text":"hi"}],"in_flight":[{"role":"assistant","run_id":"r1","parts":[{"type":"text","text":"Hel","done":false}],"result":null,"usage":null,"errors":[]}]}}""",
            json);
        var frame = Assert.IsType<SnapshotFrame>(ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(new StreamCursor(5, 0), frame.Cursor);
        Assert.Equal(WorkerStatuses.Running, frame.Snapshot.Status);
        Assert.Equal([new UserEntry("hi")], frame.Snapshot.Transcript);
        var inFlight = Assert.IsType<AssistantEntry>(Assert.Single(frame.Snapshot.InFlight));
        Assert.Equal([new TextPart("Hel", false)], inFlight.Parts);
    }

    [Fact]
    public void Runtime_snapshot_frame_has_no_worker_id_and_parses_as_a_runtime_snapshot()
    {
        var created = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var snapshot = new RuntimeSnapshot([new WorkerInfo("w1", "rt-1", WorkerStatuses.Running, "scripted", created, RunId: "r1")]);
        var json = Write(b => EnvelopeWriter.WriteRuntimeSnapshotFrame(b, new StreamCursor(7, 1), "rt-1", snapshot));
        Assert.Equal(
            """{"kind":"snapshot","cursor":"7-1","runtime_id":"rt-1","snapshot":{"workers":[{"worker_id":"w1","runtime_id":"rt-1","status":"running","provider":"scripted","created_at":"2026-12-01T09:00:00+00:00","run_id":"r1"}]}}""",
            json);
        var frame = Assert.IsType<RuntimeSnapshotFrame>(ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal((new StreamCursor(7, 1), "rt-1"), (frame.Cursor, frame.RuntimeId));
        Assert.Equal(snapshot.Workers, frame.Snapshot.Workers);
    }

    [Theory]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"rt-1","snapshot":{}}""")]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"rt-1","snapshot":{"workers":[{"status":"idle"}]}}""")]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"rt-1","snapshot":{"workers":7}}""")]
    public void Runtime_snapshot_without_workers_or_ids_is_rejected(string json) =>
        Assert.Throws<ProtocolFormatException>(() => ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Diagnostic_frame_has_the_exact_shape()
    {
        var json = Write(b => EnvelopeWriter.WriteDiagnosticFrame(b, DiagnosticCodes.CursorExpired, "cursor \"1-0\" was trimmed; 日本"));
        Assert.Equal("""{"kind":"diagnostic","code":"cursor_expired","message":"cursor \"1-0\" was trimmed; 日本"}""", json);
        Assert.Equal(new DiagnosticFrame(DiagnosticCodes.CursorExpired, "cursor \"1-0\" was trimmed; 日本"),
            ObservationFrame.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Unknown_frame_kinds_are_kept()
    {
        var frame = Assert.IsType<UnknownFrame>(ObservationFrame.Parse("""{"kind":"ping","at":5}"""u8));
        Assert.Equal("ping", frame.Kind);
        Assert.Equal(5, frame.Frame.GetProperty("at").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("[]")]
    [InlineData("""{"cursor":"1-0"}""")]
    [InlineData("""{"kind":5}""")]
    [InlineData("""{"kind":"event","cursor":"1-0","runtime_id":"r"}""")]
    [InlineData("""{"kind":"event","runtime_id":"r","payload":{"event":"x"}}""")]
    [InlineData("""{"kind":"event","cursor":"$","runtime_id":"r","payload":{"event":"x"}}""")]
    [InlineData("""{"kind":"event","cursor":"1-0","payload":{"event":"x"}}""")]
    [InlineData("""{"kind":"event","cursor":"1-0","runtime_id":"r","worker_id":7,"payload":{"event":"x"}}""")]
    [InlineData("""{"kind":"event","cursor":"1-0","runtime_id":"r","payload":{"data":{}}}""")]
    [InlineData("""{"kind":"event","cursor":"1-0","runtime_id":"r","payload":{"event":"text_delta","data":{"text":1}}}""")]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"r"}""")]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"r","snapshot":{"status":"idle"}}""")]
    [InlineData("""{"kind":"snapshot","cursor":"1-0","runtime_id":"r","snapshot":{"status":"idle","transcript":[{"role":"robot"}],"in_flight":[]}}""")]
    [InlineData("""{"kind":"diagnostic","message":"m"}""")]
    [InlineData("""{"kind":"diagnostic","code":"c","message":"m"} x""")]
    public void Malformed_frames_throw_a_protocol_format_exception(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Throws<ProtocolFormatException>(() => ObservationFrame.Parse(bytes));
        Assert.False(ObservationFrame.TryParse(bytes, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Event_page_round_trips()
    {
        StoredEvent[] events =
        [
            new(new StreamCursor(10, 0), "w1", WorkerEventJson.SerializeToUtf8Bytes(new RunStartEvent("r1"))),
            new(new StreamCursor(10, 1), "w1", WorkerEventJson.SerializeToUtf8Bytes(new TextDeltaEvent("a"))),
        ];
        var json = Write(b => EnvelopeWriter.WriteEventPage(b, "rt-1", events, new StreamCursor(10, 1)));
        Assert.Equal(
            """{"events":[{"kind":"event","cursor":"10-0","runtime_id":"rt-1","worker_id":"w1","payload":{"event":"run_start","data":{"run_id":"r1"}}},""" +
            """{"kind":"event","cursor":"10-1","runtime_id":"rt-1","worker_id":"w1","payload":{"event":"text_delta","data":{"text":"a"}}}],"next_cursor":"10-1"}""",
            json);
        var page = EventPage.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(new StreamCursor(10, 1), page.NextCursor);
        Assert.Equal([new StreamCursor(10, 0), new StreamCursor(10, 1)], page.Events.Select(e => e.Cursor));
        Assert.Equal([new RunStartEvent("r1"), new TextDeltaEvent("a")], page.Events.Select(e => e.Payload));
        Assert.Equal(events[1].Payload.ToArray(), page.Events[1].RawPayload.ToArray());
    }

    [Fact]
    public void Empty_last_page_has_a_null_next_cursor()
    {
        var json = Write(b => EnvelopeWriter.WriteEventPage(b, "rt-1", [], null));
        Assert.Equal("""{"events":[],"next_cursor":null}""", json);
        var page = EventPage.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Empty(page.Events);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData("""{"next_cursor":null}""")]
    [InlineData("""{"events":{},"next_cursor":null}""")]
    [InlineData("""{"events":[{"kind":"diagnostic","code":"c","message":"m"}],"next_cursor":null}""")]
    [InlineData("""{"events":[],"next_cursor":"x"}""")]
    [InlineData("""{"events":[],"next_cursor":5}""")]
    [InlineData("""[]""")]
    public void Malformed_pages_throw_a_protocol_format_exception(string json)
    {
        Assert.Throws<ProtocolFormatException>(() => EventPage.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Frames_written_back_to_back_into_one_writer_stay_separate_calls()
    {
        var buffer = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WriteDiagnosticFrame(buffer, "a", "b");
        var first = buffer.WrittenCount;
        EnvelopeWriter.WriteDiagnosticFrame(buffer, "c", "d");
        Assert.Equal(new DiagnosticFrame("a", "b"), ObservationFrame.Parse(buffer.WrittenSpan[..first]));
        Assert.Equal(new DiagnosticFrame("c", "d"), ObservationFrame.Parse(buffer.WrittenSpan[first..]));
    }

    [Fact]
    public void Writing_an_event_frame_allocates_nothing()
    {
        var payload = WorkerEventJson.SerializeToUtf8Bytes(new TextDeltaEvent("Hello"));
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var cursor = new StreamCursor(1700000000000, 42);
        EnvelopeWriter.WriteEventFrame(buffer, cursor, "rt-1", "w1", payload);
        buffer.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) EnvelopeWriter.WriteEventFrame(buffer, cursor, "rt-1", "w1", payload);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_failed_frame_leaves_the_output_untouched_and_the_next_frame_is_whole()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var bad = new WorkerSnapshot("idle", [new UserEntry("x")], [new AssistantEntry("r", [new BrokenPart()], null, null, [])]);
        Assert.ThrowsAny<Exception>(() => EnvelopeWriter.WriteSnapshotFrame(buffer, StreamCursor.Zero, "rt", "w", bad));
        Assert.Equal(0, buffer.WrittenCount);
        EnvelopeWriter.WriteDiagnosticFrame(buffer, "a", "b");
        Assert.Equal("""{"kind":"diagnostic","code":"a","message":"b"}""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void A_page_with_one_bad_payload_writes_nothing()
    {
        var buffer = new ArrayBufferWriter<byte>();
        StoredEvent[] events =
        [
            new(new StreamCursor(1, 0), "w", WorkerEventJson.SerializeToUtf8Bytes(new TextDeltaEvent("a"))),
            new(new StreamCursor(1, 1), "w", "{\"event\":"u8.ToArray()),
        ];
        Assert.Throws<ProtocolFormatException>(() => EnvelopeWriter.WriteEventPage(buffer, "rt", events, null));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Mutated_frames_either_parse_or_throw_a_protocol_format_exception()
    {
        var random = new Random(11);
        string[] seeds =
        [
            """{"kind":"event","cursor":"1-2","runtime_id":"rt","worker_id":"w","payload":{"event":"text_delta","data":{"text":"a"}}}""",
            """{"kind":"snapshot","cursor":"1-2","runtime_id":"rt","snapshot":{"status":"idle","transcript":[{"role":"user","text":"hi"}],"in_flight":[{"role":"assistant","run_id":"r","parts":[{"type":"tool_call","id":"c","name":"n","arguments":"{}","done":true,"output":null,"is_error":false}],"result":null,"usage":{"input_tokens":1,"output_tokens":2},"errors":[]}]}}""",
            """{"kind":"diagnostic","code":"c","message":"m"}""",
            """{"events":[{"kind":"event","cursor":"1-2","runtime_id":"rt","payload":{"event":"x"}}],"next_cursor":"1-2"}""",
        ];
        byte[] alphabet = [.. "{}[]\":,\\ 0123456789-.eEtrufalsn"u8, 0x80, 0xC3, 0x00];
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Length)]).ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(bytes.Count);
                if (random.Next(2) == 0) bytes.RemoveAt(at);
                else bytes[at] = alphabet[random.Next(alphabet.Length)];
            }
            var input = bytes.ToArray();
            try { ObservationFrame.Parse(input); } catch (ProtocolFormatException) { }
            try { EventPage.Parse(input); } catch (ProtocolFormatException) { }
        }
    }

    private sealed record BrokenPart : ContentPart;
}
