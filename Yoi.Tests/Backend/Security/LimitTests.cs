using Yoi.EventLog.Storage;
using System.Net;
using System.Text;
using System.Text.Json;
using Yoi.Client;
using Yoi.Protocol.Api;
using Yoi.Runtime.Streams;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend.Security;

/// <summary>What one client can make a runtime hold: a worker cap, deletion of stopped workers, a paged worker list, bounded bodies.</summary>
public sealed class LimitTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<BackendHost> StartAsync(int maxWorkers = 1000) =>
        BackendHost.StartAsync(CrossSiteTests.EmbeddedSettings(new() { ["Backend:Runtimes:0:Runtime:MaxWorkers"] = maxWorkers.ToString() }));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Worker_cap_is_a_typed_409_that_creates_nothing_and_a_delete_frees_a_place()
    {
        await using var host = await StartAsync(maxWorkers: 3);
        var client = host.Client();
        var first = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);

        var refused = await Assert.ThrowsAsync<YoiApiException>(() => client.CreateWorkerAsync("rt-1", cancellationToken: Ct));
        Assert.Equal((409, ApiErrorCodes.WorkerLimitReached), (refused.Status, refused.Code));
        Assert.Equal(3, (await client.ListWorkersAsync("rt-1", Ct)).Workers.Count);

        await client.StopAsync("rt-1", first.WorkerId, Ct);
        using var http = host.Http();
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(http, HttpMethod.Delete, $"api/runtimes/rt-1/workers/{first.WorkerId}")).Status);
        await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
    }

    [Fact]
    public async Task Delete_of_a_stopped_worker_removes_it_its_stream_and_its_state()
    {
        await using var host = await StartAsync();
        var client = host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var keys = new StreamKeys(StreamKeys.DefaultPrefix, "rt-1");
        Assert.NotNull(await host.Log.GetMetadataAsync(keys.WorkerEvents(worker.WorkerId), Ct));
        await client.StopAsync("rt-1", worker.WorkerId, Ct);
        using var http = host.Http();

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(http, HttpMethod.Delete, $"api/runtimes/rt-1/workers/{worker.WorkerId}")).Status);

        Assert.Null(await host.Log.GetMetadataAsync(keys.WorkerEvents(worker.WorkerId), Ct));
        foreach (var path in new[] { "", "/transcript", "/events" })
        {
            var (status, body) = await SendAsync(http, HttpMethod.Get, $"api/runtimes/rt-1/workers/{worker.WorkerId}{path}");
            Assert.Equal((HttpStatusCode.NotFound, "worker_not_found"), (status, body.GetProperty("code").GetString()));
        }
        Assert.DoesNotContain((await client.ListWorkersAsync("rt-1", Ct)).Workers, w => w.WorkerId == worker.WorkerId);
        var again = await SendAsync(http, HttpMethod.Delete, $"api/runtimes/rt-1/workers/{worker.WorkerId}");
        Assert.Equal((HttpStatusCode.NotFound, "worker_not_found"), (again.Status, again.Body.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Delete_of_a_worker_that_is_not_stopped_is_409_and_changes_nothing()
    {
        await using var host = await StartAsync();
        var client = host.Client();
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = host.Http();
        var (status, body) = await SendAsync(http, HttpMethod.Delete, $"api/runtimes/rt-1/workers/{worker.WorkerId}");
        Assert.Equal((HttpStatusCode.Conflict, ApiErrorCodes.WorkerNotStopped), (status, body.GetProperty("code").GetString()));
        Assert.Equal("idle", (await client.GetWorkerAsync("rt-1", worker.WorkerId, Ct)).Status);
    }

    [Fact]
    public async Task Deleted_worker_stays_deleted_after_a_runtime_restart()
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        (string, string?)[] settings = [("ConnectionStrings:redis", redis.ConnectionString), ("Runtime:KeyPrefix", prefix)];
        string deleted, kept;
        await using (var runtime = await RuntimeServiceHost.StartAsync(settings))
        {
            deleted = (await RuntimeApi.CreateWorkerAsync(runtime.Client)).WorkerId;
            kept = (await RuntimeApi.CreateWorkerAsync(runtime.Client)).WorkerId;
            using (var stop = await runtime.Client.PostAsync($"/v1/workers/{deleted}/stop", null, Ct)) Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
            using var delete = await runtime.Client.DeleteAsync($"/v1/workers/{deleted}", Ct);
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        await using (var restarted = await RuntimeServiceHost.StartAsync(settings))
        {
            var ids = (await RuntimeApi.ListWorkersAsync(restarted.Client)).Select(w => w.WorkerId).ToList();
            Assert.Equal([kept], ids);
            using var get = await restarted.Client.GetAsync($"/v1/workers/{deleted}", Ct);
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
    }

    [Fact]
    public async Task Worker_list_pages_with_limit_and_after_on_both_services()
    {
        await using var host = await StartAsync();
        var client = host.Client();
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add((await client.CreateWorkerAsync("rt-1", cancellationToken: Ct)).WorkerId);
        using var http = host.Http();
        Assert.Equal(created, await PageAllAsync(http, "api/runtimes/rt-1/workers", 2));

        await using var runtime = await RuntimeServiceHost.StartAsync();
        var direct = new List<string>();
        for (var i = 0; i < 3; i++) direct.Add((await RuntimeApi.CreateWorkerAsync(runtime.Client)).WorkerId);
        Assert.Equal(direct, await PageAllAsync(runtime.Client, "/v1/workers", 1));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=x")]
    [InlineData("after=nope")]
    [InlineData("after=12.bad%20id")]
    public async Task Bad_worker_list_paging_is_400_on_both_services(string query)
    {
        await using var host = await StartAsync();
        using var http = host.Http();
        var (status, body) = await SendAsync(http, HttpMethod.Get, "api/runtimes/rt-1/workers?" + query);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (status, body.GetProperty("code").GetString()));
        await using var runtime = await RuntimeServiceHost.StartAsync();
        (status, body) = await SendAsync(runtime.Client, HttpMethod.Get, "/v1/workers?" + query);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (status, body.GetProperty("code").GetString()));
    }

    private static async Task<List<string>> PageAllAsync(HttpClient http, string path, int limit)
    {
        var ids = new List<string>();
        string? after = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var (status, body) = await SendAsync(http, HttpMethod.Get, $"{path}?limit={limit}" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
            Assert.Equal(HttpStatusCode.OK, status);
            var workers = body.GetProperty("workers");
            Assert.True(workers.GetArrayLength() <= limit);
            ids.AddRange(workers.EnumerateArray().Select(w => w.GetProperty("worker_id").GetString()!));
            if (!body.TryGetProperty("next_cursor", out var next)) return ids;
            after = next.GetString();
        }
        throw new Xunit.Sdk.XunitException("Paging did not end.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Oversized_body_is_413_from_both_services(bool chunked)
    {
        var big = "{\"text\":\"" + new string('x', 70 * 1024) + "\"}";
        HttpContent Body()
        {
            var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
            content.Headers.ContentType = new("application/json");
            if (!chunked) content.Headers.ContentLength = Encoding.UTF8.GetByteCount(big);
            return content;
        }
        await using var host = await StartAsync();
        var worker = await host.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = host.Http();
        var (status, body) = await SendAsync(http, HttpMethod.Post, $"api/runtimes/rt-1/workers/{worker.WorkerId}/input", Body());
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload_too_large"), (status, body.GetProperty("code").GetString()));

        await using var runtime = await RuntimeServiceHost.StartAsync();
        var direct = await RuntimeApi.CreateWorkerAsync(runtime.Client);
        (status, body) = await SendAsync(runtime.Client, HttpMethod.Post, $"/v1/workers/{direct.WorkerId}/input", Body());
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload_too_large"), (status, body.GetProperty("code").GetString()));
    }
}
