using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Yoi.Runtime.Plugins;

namespace Yoi.Tests.Plugins;

/// <summary>The manifest + grant model as pure functions: no sockets.</summary>
public sealed class PluginConfigurationTests
{
    private static readonly PluginManifest Manifest = new("p1", "1.0.0", "test",
        [new WebSocketTargetDeclaration("feed", "wss://feed.example.com/ws", "feed"), new WebSocketTargetDeclaration("chat", null, "chat")]);

    private static (IReadOnlyList<AuthorizedTarget> Targets, List<string> Errors) Authorize(params (string, string)[] settings)
    {
        var errors = new List<string>();
        var all = PluginConfiguration.Load(PluginTestHost.Configuration(settings), errors);
        return (PluginConfiguration.Authorize(Manifest, all["p1"], errors), errors);
    }

    [Fact]
    public void Grant_for_an_undeclared_target_is_refused_naming_the_setting()
    {
        var (targets, errors) = Authorize(("Runtime:Plugins:p1:Grants:WebSocket:other", "wss://x.example.com/"));
        Assert.Empty(targets);
        Assert.Contains(errors, e => e.StartsWith("Runtime:Plugins:p1:Grants:WebSocket:other:", StringComparison.Ordinal) && e.Contains("does not declare"));
    }

    [Theory]
    [InlineData("ws://127.0.0.1:9000/ws")]
    [InlineData("ws://localhost:9000/ws")]
    [InlineData("ws://10.1.2.3/ws")]
    [InlineData("ws://172.20.0.1/ws")]
    [InlineData("ws://192.168.1.1/ws")]
    [InlineData("ws://169.254.169.254/ws")]
    [InlineData("ws://[::1]:9000/ws")]
    [InlineData("ws://[fd00::1]/ws")]
    public void Private_or_loopback_target_without_AllowPrivateNetwork_is_refused(string url)
    {
        var (targets, errors) = Authorize(("Runtime:Plugins:p1:Grants:WebSocket:chat", url));
        Assert.Empty(targets);
        Assert.Contains(errors, e => e.Contains("Runtime:Plugins:p1:Grants:WebSocket:chat:AllowPrivateNetwork"));
    }

    [Fact]
    public void Private_target_with_AllowPrivateNetwork_is_authorized()
    {
        var (targets, errors) = Authorize(
            ("Runtime:Plugins:p1:Grants:WebSocket:chat:Url", "ws://127.0.0.1:9000/ws"),
            ("Runtime:Plugins:p1:Grants:WebSocket:chat:AllowPrivateNetwork", "true"));
        Assert.Empty(errors);
        Assert.Equal("ws://127.0.0.1:9000/ws", Assert.Single(targets).Url.ToString());
    }

    [Fact]
    public void Grant_true_uses_the_manifest_url_and_fails_when_the_manifest_has_none()
    {
        var (targets, errors) = Authorize(("Runtime:Plugins:p1:Grants:WebSocket:feed", "true"), ("Runtime:Plugins:p1:Grants:WebSocket:chat", "true"));
        Assert.Equal("wss://feed.example.com/ws", Assert.Single(targets).Url.ToString());
        Assert.Contains(errors, e => e.StartsWith("Runtime:Plugins:p1:Grants:WebSocket:chat:", StringComparison.Ordinal) && e.Contains("no URL"));
    }

    [Fact]
    public void Grant_false_grants_nothing()
    {
        var (targets, errors) = Authorize(("Runtime:Plugins:p1:Grants:WebSocket:feed", "false"));
        Assert.Empty(targets);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("Runtime:Plugins:p1:Enabled", "yes", "Runtime:Plugins:p1:Enabled")]
    [InlineData("Runtime:Plugins:p1:IngressCapacity", "0", "Runtime:Plugins:p1:IngressCapacity")]
    [InlineData("Runtime:Plugins:p1:KeepAliveInterval", "soon", "Runtime:Plugins:p1:KeepAliveInterval")]
    [InlineData("Runtime:Plugins:p1:KeepAliveInterval", "01:00:01", "Runtime:Plugins:p1:KeepAliveInterval")]
    [InlineData("Runtime:Plugins:p1:KeepAliveTimeout", "soon", "Runtime:Plugins:p1:KeepAliveTimeout")]
    [InlineData("Runtime:Plugins:p1:KeepAliveTimeout", "-00:00:01", "Runtime:Plugins:p1:KeepAliveTimeout")]
    [InlineData("Runtime:Plugins:p1:KeepAliveTimeout", "01:00:01", "Runtime:Plugins:p1:KeepAliveTimeout")]
    [InlineData("Runtime:Plugins:p1:Grants:WebSocket:feed", "http://feed.example.com/", "Runtime:Plugins:p1:Grants:WebSocket:feed")]
    [InlineData("Runtime:Plugins:p1:Grants:Http:api", "https://x/", "Runtime:Plugins:p1:Grants:Http")]
    [InlineData("Runtime:Plugins:bad id:Enabled", "true", "Runtime:Plugins:bad id")]
    public void Invalid_setting_is_reported_by_name(string key, string value, string named)
    {
        var errors = new List<string>();
        PluginConfiguration.Load(PluginTestHost.Configuration((key, value)), errors);
        Assert.Contains(errors, e => e.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Keepalive_timeout_defaults_to_15_seconds_and_takes_fractions_or_zero()
    {
        PluginSettings Load(params (string, string)[] settings) =>
            PluginConfiguration.Load(PluginTestHost.Configuration([("Runtime:Plugins:p1:Enabled", "true"), .. settings]), [])["p1"];

        Assert.Equal(TimeSpan.FromSeconds(15), Load().KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), PluginSettings.Disabled("p1").KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), Load(("Runtime:Plugins:p1:KeepAliveTimeout", "00:00:00.5")).KeepAliveTimeout);
        Assert.Equal(TimeSpan.Zero, Load(("Runtime:Plugins:p1:KeepAliveTimeout", "00:00:00")).KeepAliveTimeout);
    }

    [Fact]
    public async Task Host_start_fails_listing_every_configuration_error()
    {
        var host = new PluginHost([new RecordingPlugin(Manifest)], PluginTestHost.Configuration(
            ("Runtime:Plugins:p1:Enabled", "true"),
            ("Runtime:Plugins:p1:Grants:WebSocket:undeclared", "wss://x.example.com/"),
            ("Runtime:Plugins:nope:Enabled", "true")), null, NullLogger<PluginHost>.Instance);
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Runtime:Plugins:p1:Grants:WebSocket:undeclared", ex.Message);
        Assert.Contains("Runtime:Plugins:nope", ex.Message);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.1", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("172.15.0.1", false)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.0.1", true)]
    [InlineData("169.254.1.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("::1", true)]
    [InlineData("fc00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("2001:4860::8888", false)]
    public void Private_address_ranges(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, WebSocketTargetUrl.IsPrivateAddress(IPAddress.Parse(address)));

    [Fact]
    public void Redacted_url_drops_userinfo_and_query()
    {
        var uri = new Uri("wss://user:secret@chat.example.com/gateway?token=abc");
        Assert.Equal("wss://chat.example.com:443/gateway", WebSocketTargetUrl.Redact(uri));
        var scrubbed = WebSocketTargetUrl.Scrub("failed to reach wss://user:secret@chat.example.com/gateway?token=abc", uri);
        Assert.DoesNotContain("secret", scrubbed);
        Assert.DoesNotContain("token=abc", scrubbed);
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(5, 1000)]
    [InlineData(40, 1000)]
    public void Reconnect_backoff_doubles_up_to_the_maximum(int attempt, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs),
            new ReconnectPolicy(true, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)).DelayFor(attempt));

    [Fact]
    public void Manifest_with_an_invalid_id_or_duplicate_target_is_invalid()
    {
        var manifest = new PluginManifest("bad id", "1", "", [new("a", null, ""), new("a", null, "")]);
        var errors = manifest.Validate();
        Assert.Contains(errors, e => e.Contains("invalid"));
        Assert.Contains(errors, e => e.Contains("twice"));
    }
}
