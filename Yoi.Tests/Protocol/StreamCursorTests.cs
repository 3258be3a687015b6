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
