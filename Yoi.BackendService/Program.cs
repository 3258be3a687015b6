using Yoi.BackendService;

var app = await BackendApp.BuildAsync(args);
await app.RunAsync();
