using System.Net;
using System.Text.RegularExpressions;
using Yoi.Tests.Backend;
using Yoi.Tests.Processes;

namespace Yoi.Tests.Console;

/// <summary>The console's files: served at <c>/</c> with their headers, and self-contained (it must work offline).</summary>
public sealed partial class ConsoleFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string WebRoot => Path.Combine(BuiltArtifacts.RepositoryRoot, "Yoi.BackendService", "wwwroot");

    [Fact]
    public void Console_files_load_nothing_from_another_origin()
    {
        var files = Directory.GetFiles(WebRoot, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("index.html", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotMatch(ExternalReference(), text);
            foreach (Match import in ModuleImport().Matches(text))
                Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, import.Groups[1].Value))),
                    $"{Path.GetRelativePath(WebRoot, file)} imports {import.Groups[1].Value}, which is not there.");
        }
    }

    [Fact]
    public async Task Backend_serves_the_console_at_the_root_with_a_same_origin_content_security_policy()
    {
        await using var host = await BackendHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backend:Runtimes:0:Id"] = "rt-1",
            ["Backend:Runtimes:0:Source"] = "embedded",
        });
        using var http = host.Http();
        using var index = await http.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Yoi console</title>", await index.Content.ReadAsStringAsync(Ct));
        var csp = string.Join(";", index.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.Equal("nosniff", index.Headers.GetValues("X-Content-Type-Options").Single());

        using var script = await http.GetAsync("/js/app.js", Ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);

        using var missing = await http.GetAsync("/js/missing.js", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [GeneratedRegex(@"(?:src|href)\s*=\s*[""'](?:https?:)?//|@import\s+url\(\s*[""']?(?:https?:)?//|\bfrom\s+[""'](?:https?:)?//|fetch\(\s*[""']https?://")]
    private static partial Regex ExternalReference();

    [GeneratedRegex(@"\bfrom\s+""(\.{1,2}/[^""]+)""")]
    private static partial Regex ModuleImport();
}
