using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Yoi.Protocol;
using Yoi.Protocol.Envelopes;

namespace Yoi.Tests.Backend.Security;

/// <summary>
/// A page of another site against a local Backend in its default configuration (no API keys): WebSockets, commands
/// and DNS rebinding are refused; the Backend's own and loopback origins, and clients that send no Origin, still work.
/// </summary>
public sealed class CrossSiteTests : IAsyncLifetime
{
    private const string Evil = "https://evil.example";
    private BackendHost _host = null!;
    private HttpClient _http = null!;
    private string _worker = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await BackendHost.StartAsync(EmbeddedSettings());
        _http = _host.Http();
        _worker = (await _host.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    internal static Dictionary<string, string?> EmbeddedSettings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
            ["Backend:Runtimes:0:Runtime:Scripted:DeltaDelayMs"] = "1",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return settings;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? origin,
        string? body = null, string? contentType = "application/json", string? host = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (host is not null) request.Headers.Host = host;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private async Task<int> WorkerCountAsync() => (await _host.Client().ListWorkersAsync("rt-1", Ct)).Workers.Count;

    [Theory]
    [InlineData("api/runtimes/rt-1/events/ws?cursor=0-0")]
    [InlineData("api/runtimes/rt-1/workers/{wid}/events/ws")]
    public async Task WebSocket_from_another_origin_is_refused_with_forbidden_and_4403(string path)
    {
        using var ws = await _host.ConnectAsync(path.Replace("{wid}", _worker), configure: o => o.SetRequestHeader("Origin", Evil));
        var frames = await ws.ReadToCloseAsync();
        var diagnostic = Assert.IsType<DiagnosticFrame>(Assert.Single(frames));
        Assert.Equal(DiagnosticCodes.Forbidden, diagnostic.Code);
        Assert.Equal(4403, ws.CloseStatus);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://localhost.evil.example")]
    [InlineData("file://")]
    public async Task WebSocket_from_an_opaque_or_lookalike_origin_is_refused(string origin)
    {
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/workers/{_worker}/events/ws", configure: o => o.SetRequestHeader("Origin", origin));
        var frames = await ws.ReadToCloseAsync();
        Assert.Equal(DiagnosticCodes.Forbidden, Assert.IsType<DiagnosticFrame>(Assert.Single(frames)).Code);
        Assert.Equal(4403, ws.CloseStatus);
    }

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("http://127.0.0.1:9")]
    [InlineData("http://[::1]:8080")]
    [InlineData(null)]
    public async Task WebSocket_from_a_loopback_origin_or_without_origin_is_served(string? origin)
    {
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/workers/{_worker}/events/ws",
            configure: o => { if (origin is not null) o.SetRequestHeader("Origin", origin); });
        Assert.IsType<SnapshotFrame>(await ws.NextAsync());
    }

    [Fact]
    public async Task WebSocket_from_the_backends_own_origin_is_served()
    {
        var own = _host.BaseUri.GetLeftPart(UriPartial.Authority);
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/workers/{_worker}/events/ws", configure: o => o.SetRequestHeader("Origin", own));
        Assert.IsType<SnapshotFrame>(await ws.NextAsync());
    }

    [Fact]
    public async Task Create_and_stop_from_another_origin_are_refused_and_change_nothing()
    {
        var before = await WorkerCountAsync();
        var (status, body) = await SendAsync(HttpMethod.Post, "api/runtimes/rt-1/workers", Evil, "{}");
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (status, body.GetProperty("code").GetString()));
        (status, body) = await SendAsync(HttpMethod.Post, $"api/runtimes/rt-1/workers/{_worker}/stop", Evil);
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (status, body.GetProperty("code").GetString()));
        Assert.Equal(before, await WorkerCountAsync());
        Assert.Equal("idle", (await _host.Client().GetWorkerAsync("rt-1", _worker, Ct)).Status);
    }

    [Fact]
    public async Task Cross_site_fetch_without_origin_is_refused_by_its_fetch_metadata()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/runtimes/rt-1/workers/{_worker}/stop")
        {
            Content = new StringContent("", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var response = await _http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("idle", (await _host.Client().GetWorkerAsync("rt-1", _worker, Ct)).Status);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("", "text/plain")]
    [InlineData("x=1", "application/x-www-form-urlencoded")]
    [InlineData("--b--", "multipart/form-data; boundary=b")]
    public async Task Untyped_state_changing_request_is_refused_and_changes_nothing(string? body, string? contentType)
    {
        var before = await WorkerCountAsync();
        var (status, problem) = await SendAsync(HttpMethod.Post, "api/runtimes/rt-1/workers", null, body, contentType);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (status, problem.GetProperty("code").GetString()));
        (status, _) = await SendAsync(HttpMethod.Post, $"api/runtimes/rt-1/workers/{_worker}/stop", null, body, contentType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(before, await WorkerCountAsync());
        Assert.Equal("idle", (await _host.Client().GetWorkerAsync("rt-1", _worker, Ct)).Status);
    }

    [Fact]
    public async Task Json_typed_command_from_a_loopback_origin_is_executed()
    {
        var (status, _) = await SendAsync(HttpMethod.Post, $"api/runtimes/rt-1/workers/{_worker}/stop", "http://localhost:5173", "");
        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("rebound.evil.example:5080")]
    public async Task Foreign_host_header_is_refused_in_the_local_default(string host)
    {
        var (status, _) = await SendAsync(HttpMethod.Get, "api/runtimes", null, host: host);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await SendAsync(HttpMethod.Get, "api/runtimes", null, host: "localhost:" + _host.BaseUri.Port);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Configured_origin_is_allowed_and_loopback_then_is_not()
    {
        await using var host = await BackendHost.StartAsync(EmbeddedSettings(new() { ["Backend:AllowedOrigins:0"] = "https://console.example.com" }));
        var worker = (await host.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
        using (var ws = await host.ConnectAsync($"api/runtimes/rt-1/workers/{worker}/events/ws",
                   configure: o => o.SetRequestHeader("Origin", "https://console.example.com")))
            Assert.IsType<SnapshotFrame>(await ws.NextAsync());
        using (var ws = await host.ConnectAsync($"api/runtimes/rt-1/workers/{worker}/events/ws",
                   configure: o => o.SetRequestHeader("Origin", "http://localhost:3000")))
            Assert.Equal(4403, await CloseStatusAsync(ws));
    }

    private static async Task<int?> CloseStatusAsync(WsProbe ws)
    {
        await ws.ReadToCloseAsync();
        return ws.CloseStatus;
    }

    [Theory]
    [InlineData("https://console.example.com/path")]
    [InlineData("console.example.com")]
    [InlineData("ftp://console.example.com")]
    public async Task Invalid_allowed_origin_stops_the_start_naming_the_setting(string origin)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => BackendHost.StartAsync(EmbeddedSettings(new() { ["Backend:AllowedOrigins:0"] = origin })));
        Assert.Contains("Backend:AllowedOrigins:0", ex.Message);
    }
}
