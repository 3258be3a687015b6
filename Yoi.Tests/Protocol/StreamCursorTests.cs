using Yoi.Protocol.Cursors;

namespace Yoi.Tests.Protocol;

public sealed class StreamCursorTests
{
    [Theory]
    [InlineData("0-0", 0UL, 0UL)]
    [InlineData("1700000000000-5", 1700000000000UL, 5UL)]
    [InlineData("18446744073709551615-18446744073709551615", ulong.MaxValue, ulong.MaxValue)]
    public void Parses_well_formed_ids(string text, ulong ms, ulong seq)
    {
        Assert.True(StreamCursor.TryParse(text, out var cursor));
        Assert.Equal(new StreamCursor(ms, seq), cursor);
        Assert.Equal(text, cursor.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("$")]
    [InlineData(">")]
    [InlineData("-1-0")]
    [InlineData("+1-0")]
    [InlineData(" 1-0")]
    [InlineData("1-0 ")]
    [InlineData("1")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("1-2-3")]
    [InlineData("18446744073709551616-0")]
    [InlineData("0-18446744073709551616")]
    [InlineData("1-*")]
    public void Rejects_malformed_ids_with_a_reason(string text)
    {
        Assert.False(StreamCursor.TryParse(text.AsSpan(), out _, out var reason));
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }
}

public sealed class StreamCursorPropertyTests
{
    private static ulong NextULong(Random random, int shape) => shape switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        2 => (ulong)random.Next(0, 1000),
        3 => ulong.MaxValue - (ulong)random.Next(0, 1000),
        _ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33),
    };

    [Fact]
    public void Ten_thousand_random_ids_round_trip_and_order_like_their_tuples()
    {
        var random = new Random(20260101);
        var cursors = new List<StreamCursor>();
        Span<char> chars = stackalloc char[StreamCursor.MaxLength];
        Span<byte> bytes = stackalloc byte[StreamCursor.MaxLength];
        for (var i = 0; i < 10_000; i++)
        {
            var cursor = new StreamCursor(NextULong(random, random.Next(6)), NextULong(random, random.Next(6)));
            var text = cursor.ToString();
            Assert.Equal($"{cursor.Milliseconds}-{cursor.Sequence}", text);
            Assert.True(StreamCursor.TryParse(text, out var parsed));
            Assert.Equal(cursor, parsed);

            Assert.True(cursor.TryFormat(chars, out var charCount));
            Assert.Equal(text, chars[..charCount].ToString());
            Assert.True(cursor.TryFormat(bytes, out var byteCount));
            Assert.Equal(text, System.Text.Encoding.ASCII.GetString(bytes[..byteCount]));
            Assert.True(StreamCursor.TryParse(bytes[..byteCount], out var fromUtf8));
            Assert.Equal(cursor, fromUtf8);
            cursors.Add(cursor);
        }

        for (var i = 1; i < cursors.Count; i++)
        {
            var (a, b) = (cursors[i - 1], cursors[i]);
            var expected = (a.Milliseconds, a.Sequence).CompareTo((b.Milliseconds, b.Sequence));
            Assert.Equal(Math.Sign(expected), Math.Sign(a.CompareTo(b)));
            Assert.Equal(expected < 0, a < b);
            Assert.Equal(expected > 0, a > b);
            Assert.Equal(expected <= 0, a <= b);
            Assert.Equal(expected >= 0, a >= b);
        }
        var sorted = cursors.Order().ToList();
        var byTuple = cursors.OrderBy(c => c.Milliseconds).ThenBy(c => c.Sequence).ToList();
        Assert.Equal(byTuple, sorted);
    }

    [Theory]
    [InlineData("007-1", 7UL, 1UL)]
    [InlineData("0-007", 0UL, 7UL)]
    [InlineData("00-00", 0UL, 0UL)]
    [InlineData("000000000000000000000000000000000000001-1", 1UL, 1UL)]
    public void Leading_zeros_are_accepted_and_normalized(string text, ulong ms, ulong seq)
    {
        Assert.True(StreamCursor.TryParse(text, out var cursor));
        Assert.Equal(new StreamCursor(ms, seq), cursor);
        Assert.Equal($"{ms}-{seq}", cursor.ToString());
    }

    [Theory]
    [InlineData("*")]
    [InlineData("+")]
    [InlineData("-")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("--")]
    [InlineData("1--1")]
    [InlineData("1-+1")]
    [InlineData("1- 1")]
    [InlineData("1 -1")]
    [InlineData("\t1-1")]
    [InlineData("1-1\n")]
    [InlineData("1-1\0")]
    [InlineData("\u0663-1")]
    [InlineData("1-\u0663")]
    [InlineData("\uFF11-1")]
    [InlineData("1.0-1")]
    [InlineData("1e3-1")]
    [InlineData("0x1-1")]
    [InlineData("18446744073709551616-1")]
    [InlineData("1-18446744073709551616")]
    [InlineData("99999999999999999999-0")]
    [InlineData("0000000000000000000000000000000000000001-1")]
    [InlineData("$-1")]
    [InlineData("1->")]
    public void Rejects_odd_text(string text)
    {
        Assert.False(StreamCursor.TryParse(text, out _));
        Assert.False(StreamCursor.TryParse(text.AsSpan(), out _, out var reason));
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.False(StreamCursor.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out _, out var utf8Reason));
        Assert.False(string.IsNullOrWhiteSpace(utf8Reason));
        Assert.Throws<FormatException>(() => StreamCursor.Parse(text));
    }

    [Fact]
    public void Null_and_too_long_are_rejected()
    {
        Assert.False(StreamCursor.TryParse((string?)null, out _));
        var tooLong = new string('1', 21) + "-" + new string('1', 20);
        Assert.Equal(StreamCursor.MaxLength + 1, tooLong.Length);
        Assert.False(StreamCursor.TryParse(tooLong.AsSpan(), out _, out var reason));
        Assert.Contains("longer", reason);
        Assert.False(StreamCursor.TryParse(new string('1', 10_000), out _));
    }

    [Fact]
    public void Largest_value_parses_and_one_more_overflows()
    {
        Assert.True(StreamCursor.TryParse("18446744073709551615-0", out var max));
        Assert.Equal(ulong.MaxValue, max.Milliseconds);
        Assert.False(StreamCursor.TryParse("18446744073709551616-0".AsSpan(), out _, out var reason));
        Assert.Contains("2^64", reason);
    }

    [Fact]
    public void Utf8_parse_rejects_non_ascii_and_accepts_ascii()
    {
        Assert.True(StreamCursor.TryParse("12-34"u8, out var cursor));
        Assert.Equal(new StreamCursor(12, 34), cursor);
        Assert.False(StreamCursor.TryParse("\u0663-1"u8, out _, out var reason));
        Assert.Contains("ASCII", reason);
        Assert.False(StreamCursor.TryParse(ReadOnlySpan<byte>.Empty, out _));
        Assert.False(StreamCursor.TryParse([0xFF, (byte)'-', (byte)'1'], out _));
    }

    [Theory]
    [InlineData(0UL, 0UL, 0UL, 1UL)]
    [InlineData(5UL, ulong.MaxValue, 6UL, 0UL)]
    [InlineData(ulong.MaxValue, 0UL, ulong.MaxValue, 1UL)]
    [InlineData(ulong.MaxValue, ulong.MaxValue - 1, ulong.MaxValue, ulong.MaxValue)]
    public void Successor_is_the_next_id(ulong ms, ulong seq, ulong nextMs, ulong nextSeq)
    {
        var next = new StreamCursor(ms, seq).Successor();
        Assert.Equal(new StreamCursor(nextMs, nextSeq), next);
        Assert.True(next > new StreamCursor(ms, seq));
    }

    [Fact]
    public void Max_has_no_successor()
    {
        Assert.Throws<OverflowException>(() => StreamCursor.Max.Successor());
    }

    [Fact]
    public void Format_reports_a_destination_too_small()
    {
        var cursor = new StreamCursor(123, 456);
        Assert.False(cursor.TryFormat(new char[3], out _));
        Assert.False(cursor.TryFormat(new char[4], out _));
        Assert.False(cursor.TryFormat(new byte[6], out _));
        Assert.True(cursor.TryFormat(new byte[7], out var written));
        Assert.Equal(7, written);
        Assert.True(StreamCursor.Max.TryFormat(new char[StreamCursor.MaxLength], out var maxWritten));
        Assert.Equal(StreamCursor.MaxLength, maxWritten);
    }

    [Fact]
    public void Zero_is_the_smallest()
    {
        Assert.True(StreamCursor.Zero.IsZero);
        Assert.True(StreamCursor.Zero < new StreamCursor(0, 1));
        var zero = new StreamCursor(0, 0);
        Assert.True(StreamCursor.Zero <= zero);
        Assert.Equal("0-0", StreamCursor.Zero.ToString());
    }
}
