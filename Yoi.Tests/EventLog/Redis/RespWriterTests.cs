using System.Text;
using Yoi.EventLog.Redis.Resp;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The command encoder produces exact RESP2 bytes.</summary>
public sealed class RespWriterTests
{
    [Fact]
    public void Command_with_binary_unicode_and_empty_arguments_is_encoded_exactly()
    {
        using var buffer = new PooledBufferWriter(4);
        var resp = buffer.Resp;
        resp.WriteCommandHeader(5);
        resp.WriteBulk("SET"u8);
        resp.WriteBulk("kéy✓");
        resp.WriteBulk(new byte[] { 0, 13, 10, 255 });
        resp.WriteBulk("");
        resp.WriteBulk(ReadOnlySpan<byte>.Empty);

        byte[] expected =
        [
            .. "*5\r\n$3\r\nSET\r\n"u8,
            .. "$7\r\n"u8, .. Encoding.UTF8.GetBytes("kéy✓"), .. "\r\n"u8,
            .. "$4\r\n"u8, 0, 13, 10, 255, .. "\r\n"u8,
            .. "$0\r\n\r\n$0\r\n\r\n"u8,
        ];
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Numbers_and_stream_ids_are_formatted_as_bulk_strings()
    {
        using var buffer = new PooledBufferWriter();
        var resp = buffer.Resp;
        resp.WriteBulk(-42L);
        resp.WriteBulk(ulong.MaxValue);
        resp.WriteBulk(new StreamCursor(1700000000000, 3));
        resp.WriteBulk(StreamCursor.Max, exclusive: true);
        Assert.Equal(
            "$3\r\n-42\r\n$20\r\n18446744073709551615\r\n$15\r\n1700000000000-3\r\n" +
            "$42\r\n(18446744073709551615-18446744073709551615\r\n",
            Encoding.ASCII.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Large_argument_grows_the_pooled_buffer()
    {
        using var buffer = new PooledBufferWriter(16);
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        buffer.Resp.WriteBulk(big);
        Assert.Equal(big, buffer.WrittenSpan[9..^2].ToArray());
        Assert.Equal("$100000\r\n"u8.ToArray(), buffer.WrittenSpan[..9].ToArray());
    }
}
