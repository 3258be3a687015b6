using System.Net;
using System.Text;
using System.Text.Json;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend.Security;

/// <summary>Request bodies are read strictly by both services: a duplicate, wrong-case or unknown property is a 400 that changes nothing.</summary>
public sealed class StrictJsonTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Bodies => new()
    {
        { "input", """{"text":"hi","text":"there"}""" },
        { "input", """{"Text":"hi"}""" },
        { "input", """{"text":"hi","txet":"x"}""" },
        { "create", """{"provider":"scripted","provider":"openai"}""" },
        { "create", """{"Provider":"scripted"}""" },
        { "create", """{"providr":"scripted"}""" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Sloppy_json_is_400_invalid_request_from_both_services_and_changes_nothing(string command, string json)
    {
        await using var backend = await BackendHost.StartAsync(CrossSiteTests.EmbeddedSettings());
        var worker = await backend.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        using var http = backend.Http();
        await AssertRefusedAsync(http, command == "input" ? $"api/runtimes/rt-1/workers/{worker.WorkerId}/input" : "api/runtimes/rt-1/workers", json);
        Assert.Single((await backend.Client().ListWorkersAsync("rt-1", Ct)).Workers);
        Assert.Equal("idle", (await backend.Client().GetWorkerAsync("rt-1", worker.WorkerId, Ct)).Status);

        await using var runtime = await RuntimeServiceHost.StartAsync();
        var direct = await RuntimeApi.CreateWorkerAsync(runtime.Client);
        await AssertRefusedAsync(runtime.Client, command == "input" ? $"/v1/workers/{direct.WorkerId}/input" : "/v1/workers", json);
        Assert.Single(await RuntimeApi.ListWorkersAsync(runtime.Client));
        Assert.Equal("idle", (await RuntimeApi.GetWorkerAsync(runtime.Client, direct.WorkerId)).Status);
    }

    private static async Task AssertRefusedAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("invalid_request", body.RootElement.GetProperty("code").GetString());
    }
}
