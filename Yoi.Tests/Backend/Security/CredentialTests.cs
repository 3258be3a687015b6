using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.BackendService.Projection;
using Yoi.BackendService.Registry;
using Yoi.Protocol;
using Yoi.Protocol.Envelopes;
using Yoi.Tests.Telemetry;

namespace Yoi.Tests.Backend.Security;

/// <summary>API keys at the Backend's edge: where a key may be presented, how it is compared, and that it is never logged.</summary>
public sealed class CredentialTests : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-credential-0123";
    private const string OperatorKey = "operator-key-credential-4567";
    private readonly LogCapture _logs = new();
    private BackendHost _host = null!;
    private HttpClient _http = null!;
    private string _worker = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await BackendHost.StartAsync(CrossSiteTests.EmbeddedSettings(new()
        {
            ["Backend:ApiKeys:0:Key"] = ViewerKey,
            ["Backend:ApiKeys:0:Role"] = "viewer",
            ["Backend:ApiKeys:1:Key"] = OperatorKey,
            ["Backend:ApiKeys:1:Role"] = "operator",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        }), services: s => s.AddSingleton<ILoggerProvider>(_logs));
        _http = _host.Http();
        _worker = (await _host.Client(OperatorKey).CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Access_token_query_is_refused_on_rest()
    {
        using var response = await GetAsync($"api/runtimes?access_token={OperatorKey}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Access_token_query_is_accepted_on_a_websocket_upgrade()
    {
        using var ws = await _host.ConnectAsync($"api/runtimes/rt-1/workers/{_worker}/events/ws?access_token={ViewerKey}");
        Assert.IsType<SnapshotFrame>(await ws.NextAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    [InlineData(ViewerKey + "x")]
    [InlineData("viewer-key")]
    public async Task Missing_or_wrong_key_is_401_with_www_authenticate_bearer(string? key)
    {
        using var response = await GetAsync("api/runtimes", key);
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Viewer_may_observe_but_not_command()
    {
        using (var ok = await GetAsync($"api/runtimes/rt-1/workers/{_worker}", ViewerKey))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/runtimes/rt-1/workers/{_worker}/stop")
        {
            Content = new StringContent("", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ViewerKey);
        using var response = await _http.SendAsync(request, Ct);
        var (_, problem) = await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("rt-1", problem.GetProperty("runtime_id").GetString());
        Assert.Equal("idle", (await _host.Client(OperatorKey).GetWorkerAsync("rt-1", _worker, Ct)).Status);
    }

    [Fact]
    public async Task Keys_never_reach_the_log_or_the_request_span()
    {
        using var recorder = new SpanRecorder("Microsoft.AspNetCore");
        var spans = recorder.Stopped;
        using (var ws = await _host.ConnectAsync($"api/runtimes/rt-1/workers/{_worker}/events/ws?access_token={ViewerKey}"))
            Assert.IsType<SnapshotFrame>(await ws.NextAsync());
        using (await GetAsync($"api/runtimes?access_token={OperatorKey}")) { }
        using (await GetAsync("api/runtimes", "wrong-key-0123456789")) { }
        using (await GetAsync("api/runtimes", OperatorKey)) { }

        Assert.Contains(_logs.Messages, m => m.Contains("api/runtimes", StringComparison.Ordinal)); // the capture sees requests
        Assert.DoesNotContain(_logs.Messages, m => m.Contains(ViewerKey, StringComparison.Ordinal) || m.Contains(OperatorKey, StringComparison.Ordinal)
            || m.Contains("wrong-key-0123456789", StringComparison.Ordinal));
        var tags = spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")).ToList();
        Assert.DoesNotContain(tags, t => t.Contains(ViewerKey, StringComparison.Ordinal) || t.Contains(OperatorKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Openapi_document_declares_the_bearer_scheme_and_echoes_no_host()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "openapi/v1.json");
        request.Headers.Host = "localhost:" + _host.BaseUri.Port;
        using var response = await _http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("localhost", text, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text);
        var scheme = doc.RootElement.GetProperty("components").GetProperty("securitySchemes").EnumerateObject().Single().Value;
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        Assert.True(doc.RootElement.GetProperty("security").GetArrayLength() > 0);
    }

    [Fact]
    public void Keys_match_only_exactly_whatever_their_length()
    {
        var authenticator = new ApiKeyAuthenticator([new ApiKeyOptions { Key = ViewerKey, Role = ClientRoles.Viewer }]);
        Assert.Equal(ClientRoles.Viewer, authenticator.Match(ViewerKey)?.Role);
        foreach (var other in new[] { "", ViewerKey[..^1], ViewerKey + "\0", ViewerKey.ToUpperInvariant(), new string('v', 4096) })
            Assert.Null(authenticator.Match(other));
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        private sealed class Logger(LogCapture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                capture.Messages.Enqueue($"{category}: {formatter(state, exception)} {fields} {exception}");
            }
        }
    }
}
