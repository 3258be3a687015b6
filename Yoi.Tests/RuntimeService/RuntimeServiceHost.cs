using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yoi.Protocol.Api;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.RuntimeService;

namespace Yoi.Tests.RuntimeService;

/// <summary>The Runtime service in-process on 127.0.0.1:0 (in-memory engine unless a Redis connection string is given).</summary>
internal sealed class RuntimeServiceHost : IAsyncDisposable
{
    public const string Token = "service-test-token-0123456789";

    private readonly WebApplication _app;

    private RuntimeServiceHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = NewClient(Token);
    }

    public Uri BaseAddress { get; }

    /// <summary>A client with the right bearer token.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RuntimeServiceHost> StartAsync(params (string Key, string? Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Runtime:Id"] = "rt-svc",
            ["Runtime:Token"] = Token,
            ["Runtime:KeyPrefix"] = $"t:{Guid.NewGuid():N}:",
            ["Runtime:Scripted:DeltaDelayMs"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings) values[key] = value;
        var app = RuntimeServiceApp.Build(["--urls", "http://127.0.0.1:0"], c => c.AddInMemoryCollection(values));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RuntimeServiceHost(app, new Uri(address));
    }

    public HttpClient NewClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Calls of the /v1 API shared by the in-process and the child-process tests.</summary>
internal static class RuntimeApi
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<WorkerInfo> CreateWorkerAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/v1/workers", null, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.WorkerInfo, Ct))!;
    }

    public static async Task<CommandAccepted> SendInputAsync(HttpClient client, string workerId, string text)
    {
        using var response = await client.PostAsJsonAsync($"/v1/workers/{workerId}/input", new InputRequest(text), ApiJsonContext.Default.InputRequest, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CommandAccepted, Ct))!;
    }

    public static async Task<WorkerInfo> GetWorkerAsync(HttpClient client, string workerId) =>
        (await client.GetFromJsonAsync($"/v1/workers/{workerId}", ApiJsonContext.Default.WorkerInfo, Ct))!;

    public static async Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(HttpClient client) =>
        (await client.GetFromJsonAsync("/v1/workers", ApiJsonContext.Default.WorkerList, Ct))!.Workers;

    public static async Task WaitRunEndAsync(HttpClient client, string workerId, string runId, TimeSpan? timeout = null)
    {
        // The run is over once its run_end and the status after it are stored.
        await Eventually.ValueAsync(() => ReadAllEventsAsync(client, workerId, pageSize: 1000),
            events => events.Count > 0 && events[^1].Payload is StatusEvent { Status: "idle" or "stopped" }
                      && events.Any(e => e.Payload is RunEndEvent end && end.RunId == runId),
            $"run {runId} of worker {workerId} to end", timeout,
            describe: events => $"{events.Count} events, the last: {string.Join(",", events.TakeLast(5).Select(e => e.Payload.Kind))}");
    }

    /// <summary>Waits until a worker's stored events hold at least <paramref name="count"/> text deltas.</summary>
    public static Task WaitForDeltasAsync(HttpClient client, string workerId, int count) =>
        Eventually.ValueAsync(async () => (await ReadAllEventsAsync(client, workerId, 1000)).Count(f => f.Payload is TextDeltaEvent),
            deltas => deltas >= count, $"worker {workerId} to stream {count} text deltas");

    /// <summary>Every stored event, following <c>next_cursor</c> page by page.</summary>
    public static async Task<List<EventFrame>> ReadAllEventsAsync(HttpClient client, string workerId, int pageSize = 100)
    {
        var frames = new List<EventFrame>();
        string? after = null;
        while (true)
        {
            var url = $"/v1/workers/{workerId}/events?limit={pageSize}" + (after is null ? "" : $"&after={after}");
            var page = EventPage.Parse(await client.GetByteArrayAsync(url, Ct));
            frames.AddRange(page.Events);
            if (page.NextCursor is not { } next) return frames;
            after = next.ToString();
        }
    }

    public static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url) =>
        JsonDocument.Parse(await client.GetStringAsync(url, Ct));
}
