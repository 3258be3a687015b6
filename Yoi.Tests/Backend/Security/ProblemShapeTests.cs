using System.Net;
using System.Text;
using System.Text.Json;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend.Security;

/// <summary>
/// Every problem either service answers, the framework's own included (no route, wrong method, body too large or
/// unreadable), has the one documented shape: type, title, status, detail, code, runtime_id when known, trace_id.
/// </summary>
public sealed class ProblemShapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Framework_and_handler_problems_share_the_documented_fields_in_order_on_both_services()
    {
        await using var backend = await BackendHost.StartAsync(CrossSiteTests.EmbeddedSettings());
        var worker = await backend.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = backend.Http();
        await AssertShapeAsync(http, HttpMethod.Get, "api/nothing-here", null, 404, "not_found", null);
        await AssertShapeAsync(http, HttpMethod.Put, "api/runtimes/rt-1/workers", "{}", 405, "method_not_allowed", null); // no route matched: no runtime id
        await AssertShapeAsync(http, HttpMethod.Post, $"api/runtimes/rt-1/workers/{worker.WorkerId}/input", "{\"text\":", 400, "invalid_request", "rt-1");
        await AssertShapeAsync(http, HttpMethod.Post, $"api/runtimes/rt-1/workers/{worker.WorkerId}/input",
            "{\"text\":\"" + new string('x', 70_000) + "\"}", 413, "payload_too_large", "rt-1");
        await AssertShapeAsync(http, HttpMethod.Get, "api/runtimes/rt-9", null, 404, "runtime_not_found", "rt-9");

        await using var runtime = await RuntimeServiceHost.StartAsync();
        await AssertShapeAsync(runtime.Client, HttpMethod.Get, "/v1/nothing-here", null, 404, "not_found", null);
        await AssertShapeAsync(runtime.Client, HttpMethod.Delete, "/v1/runtime", null, 405, "method_not_allowed", null);
        await AssertShapeAsync(runtime.Client, HttpMethod.Post, "/v1/workers", "{\"provider\":", 400, "invalid_request", null);
        await AssertShapeAsync(runtime.NewClient(null), HttpMethod.Get, "/v1/workers", null, 401, "unauthorized", null);
    }

    private static async Task AssertShapeAsync(HttpClient http, HttpMethod method, string path, string? json, int status, string code, string? runtimeId)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var names = body.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        string[] expected = runtimeId is null
            ? ["type", "title", "status", "detail", "code", "trace_id"]
            : ["type", "title", "status", "detail", "code", "runtime_id", "trace_id"];
        Assert.Equal(expected, names);
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
        if (runtimeId is not null) Assert.Equal(runtimeId, body.RootElement.GetProperty("runtime_id").GetString());
        Assert.Matches("^[0-9a-f]{32}$|^.+$", body.RootElement.GetProperty("trace_id").GetString()!);
    }
}
