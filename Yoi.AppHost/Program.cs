Console.WriteLine("Yoi.AppHost: topology not wired yet");
