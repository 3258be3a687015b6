using Yoi.EventLog.Redis;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>Parsing the StackExchange.Redis connection string Aspire injects.</summary>
public sealed class RedisConnectionOptionsTests
{
    [Fact]
    public void Full_connection_string_sets_every_option()
    {
        var options = RedisConnectionOptions.Parse(
            "cache.local:6380,second:6381,password=s3cret,user=app,ssl=true,defaultDatabase=2,connectTimeout=1500,syncTimeout=250,name=yoi,abortConnect=false,allowAdmin=true");
        Assert.Equal("cache.local", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Equal("s3cret", options.Password);
        Assert.Equal("app", options.User);
        Assert.True(options.Ssl);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SyncTimeout);
        Assert.Equal("yoi", options.ClientName);
        Assert.False(options.AbortConnect);
    }

    [Theory]
    [InlineData("localhost", "localhost", 6379)]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000)]
    [InlineData("[::1]:7001", "::1", 7001)]
    [InlineData(" redis:6379 , ssl=False ", "redis", 6379)]
    public void Endpoint_uses_the_first_host_and_port(string text, string host, int port)
    {
        var options = RedisConnectionOptions.Parse(text);
        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
    }

    [Theory]
    [InlineData("localhost,ssl=yes", "ssl")]
    [InlineData("localhost,defaultDatabase=-1", "defaultDatabase")]
    [InlineData("localhost,connectTimeout=abc", "connectTimeout")]
    [InlineData("localhost,syncTimeout=0", "syncTimeout")]
    [InlineData("localhost,abortConnect=maybe", "abortConnect")]
    public void Invalid_value_throws_a_format_exception_naming_the_key(string text, string key)
    {
        var error = Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse(text));
        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("localhost:0")]
    [InlineData("localhost:99999")]
    [InlineData("localhost:port")]
    [InlineData(":6379")]
    [InlineData("password=x")]
    [InlineData("")]
    public void Invalid_or_missing_endpoint_throws_a_format_exception(string text) =>
        Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse(text));

    [Fact]
    public void ToString_never_contains_the_password()
    {
        var options = RedisConnectionOptions.Parse("h:1,password=Sup3rS3cret!,user=bob,name=n");
        var text = options.ToString();
        Assert.DoesNotContain("Sup3rS3cret!", text);
        Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("user=bob", text);
        Assert.Equal("h", RedisConnectionOptions.Parse(text).Host);
    }
}
