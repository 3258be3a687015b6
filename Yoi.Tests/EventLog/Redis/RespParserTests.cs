using System.Buffers;
using System.Text;
using Yoi.EventLog.Redis;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The reply parser without a server: every reply type, any split of the bytes, bounds, malformed input.</summary>
public sealed class RespParserTests
{
    private const long Max = RespParser.DefaultMaxReplySize;

    private static readonly (string Wire, string Expected)[] Samples =
    [
        ("+OK\r\n", "+OK"),
        ("-ERR unknown command 'FOO'\r\n", "-ERR unknown command 'FOO'"),
        (":0\r\n", ":0"),
        (":-9223372036854775808\r\n", ":-9223372036854775808"),
        ("$5\r\nhello\r\n", "$hello"),
        ("$0\r\n\r\n", "$"),
        ("$-1\r\n", "(nil)"),
        ("*-1\r\n", "(nil array)"),
        ("*0\r\n", "[]"),
        ("$4\r\na\r\nb\r\n", "$a\r\nb"),
        ("*3\r\n:1\r\n$3\r\nfoo\r\n*2\r\n+x\r\n$-1\r\n", "[:1, $foo, [+x, (nil)]]"),
        ("*2\r\n*1\r\n*1\r\n:7\r\n-WRONGTYPE bad\r\n", "[[[:7]], -WRONGTYPE bad]"),
    ];

    public static TheoryData<string, string> Replies()
    {
        var data = new TheoryData<string, string>();
        foreach (var (wire, expected) in Samples) data.Add(wire, expected);
        return data;
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Whole_reply_parses_to_the_expected_value(string wire, string expected)
    {
        var value = ParseAll(Encoding.UTF8.GetBytes(wire), [wire.Length]);
        Assert.Equal(expected, value.ToString());
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Reply_fed_byte_by_byte_needs_more_data_until_the_last_byte(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            var before = partial.Length;
            Assert.Equal(RespParseStatus.NeedMoreData, RespParser.TryParse(ref partial, Max, out _, out var needed));
            Assert.Equal(before, partial.Length); // nothing consumed
            Assert.True(needed > cut, $"needed {needed} must exceed the {cut} bytes present");
            Assert.True(needed <= bytes.Length, $"needed {needed} must not exceed the reply's {bytes.Length} bytes");
        }
        Assert.Equal(expected, ParseAll(bytes, Enumerable.Repeat(1, bytes.Length)).ToString());
    }

    [Fact]
    public void Many_replies_split_at_random_points_parse_in_order()
    {
        var random = new Random(20261121);
        var all = Samples;
        for (var iteration = 0; iteration < 500; iteration++)
        {
            var picked = Enumerable.Range(0, random.Next(1, 12)).Select(_ => all[random.Next(all.Length)]).ToArray();
            var bytes = Encoding.UTF8.GetBytes(string.Concat(picked.Select(p => p.Wire)));
            var segments = Split(bytes, random);
            var parsed = ParseStream(segments);
            Assert.Equal(picked.Select(p => p.Expected), parsed.Select(v => v.ToString()));
        }
    }

    [Fact]
    public void Binary_bulk_string_with_crlf_and_high_bytes_round_trips()
    {
        byte[] payload = [0, 13, 10, 255, 0xC3, 0xA9, 13];
        var wire = Encoding.ASCII.GetBytes($"${payload.Length}\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray();
        var value = ParseAll(wire, Enumerable.Repeat(1, wire.Length));
        Assert.Equal(payload, value.Bytes);
    }

    [Theory]
    [InlineData("$2000\r\n")]
    [InlineData("*1000\r\n")]
    [InlineData("*2\r\n*400\r\n")]
    public void Reply_over_the_maximum_size_is_a_protocol_error(string header)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(header));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(ref buffer, 1024, out _, out _));
    }

    [Fact]
    public void Aggregate_whose_items_together_exceed_the_maximum_is_a_protocol_error()
    {
        var wire = "*3\r\n" + string.Concat(Enumerable.Repeat("$400\r\n" + new string('x', 400) + "\r\n", 3));
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(ref buffer, 1024, out _, out _));
    }

    [Fact]
    public void Line_without_terminator_longer_than_the_maximum_is_a_protocol_error()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("+" + new string('a', 2000)));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(ref buffer, 1024, out _, out _));
    }

    [Theory]
    [InlineData("!5\r\nhello\r\n")]
    [InlineData("x\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData(":\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData("$3\r\nabcde\r\n")]
    [InlineData("+OK\n")]
    [InlineData(":99999999999999999999\r\n")]
    public void Malformed_reply_is_a_protocol_error(string wire)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(ref buffer, Max, out _, out _));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_protocol_error()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth + 1)) + ":1\r\n";
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(ref buffer, Max, out _, out _));
    }

    private static RespValue ParseAll(byte[] bytes, IEnumerable<int> chunkSizes)
    {
        var segments = new List<byte[]>();
        var offset = 0;
        foreach (var size in chunkSizes)
        {
            segments.Add(bytes[offset..(offset + size)]);
            offset += size;
        }
        return Assert.Single(ParseStream(segments));
    }

    /// <summary>Feeds the segments one at a time, as a socket would, parsing whatever is complete.</summary>
    private static List<RespValue> ParseStream(IReadOnlyList<byte[]> segments)
    {
        var results = new List<RespValue>();
        var pending = Array.Empty<byte>();
        foreach (var segment in segments)
        {
            pending = [.. pending, .. segment];
            var buffer = ToMultiSegment(pending);
            while (!buffer.IsEmpty && RespParser.TryParse(ref buffer, Max, out var value, out _) == RespParseStatus.Complete)
                results.Add(value);
            pending = buffer.ToArray();
        }
        Assert.Empty(pending);
        return results;
    }

    private static List<byte[]> Split(byte[] bytes, Random random)
    {
        var segments = new List<byte[]>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var size = Math.Min(bytes.Length - offset, random.Next(1, 9));
            segments.Add(bytes[offset..(offset + size)]);
            offset += size;
        }
        return segments;
    }

    /// <summary>A sequence of one-byte segments, so the parser also crosses segment boundaries everywhere.</summary>
    private static ReadOnlySequence<byte> ToMultiSegment(byte[] bytes)
    {
        if (bytes.Length < 2) return new ReadOnlySequence<byte>(bytes);
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++) last = last.Append(bytes.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
