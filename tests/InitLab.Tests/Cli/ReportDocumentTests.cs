using System.Text.RegularExpressions;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

/// <summary>The Markdown report's contents: GitHub's heading ids (github-slugger's fixtures) and links that each reach a heading.</summary>
public class ReportDocumentTests
{
    /// <summary>
    /// Headings in document order and the ids GitHub gives them, from github-slugger's
    /// test/fixtures.json (Flet/github-slugger), plus this report's own kinds of headings.
    /// </summary>
    private static readonly (string Heading, string Id)[] GitHubIds =
    [
        ("alpha", "alpha"), ("alpha", "alpha-1"), ("bravoCharlieDelta", "bravocharliedelta"),
        ("echo", "echo"), ("echo", "echo-1"), ("echo 1", "echo-1-1"), ("echo-1", "echo-1-2"), ("echo", "echo-2"),
        ("foxtrot-1", "foxtrot-1"), ("foxtrot", "foxtrot"), ("foxtrot", "foxtrot-2"),
        ("heading with a - dash", "heading-with-a---dash"), ("heading with an _ underscore", "heading-with-an-_-underscore"),
        ("heading with a period.txt", "heading-with-a-periodtxt"),
        ("exchange.bind_headers(exchange, routing [, bindCallback])", "exchangebind_headersexchange-routing--bindcallback"),
        ("apostrophe’s should be trimmed", "apostrophes-should-be-trimmed"), ("I ♥ unicode", "i--unicode"), ("en–dash", "endash"),
        ("Привет non-latin 你好", "привет-non-latin-你好"), ("😄 - an emoji", "---an-emoji"), (":ok_hand: Single", "ok_hand-single"),
        // The report's: its contents' own heading comes first, so a heading named so gets -1.
        ("Contents", "contents-1"), ("784-12-10 relu batchnorm p=0.25", "784-12-10-relu-batchnorm-p025"),
        ("Learning curves", "learning-curves"), ("Learning curves", "learning-curves-1"), ("Time per run", "time-per-run"),
    ];

    [Fact]
    public void HeadingIdsAreGitHubsWithTheFirstFreeSuffixForARepeat()
    {
        var doc = new ReportDocument(".");
        doc.H(1, "InitLab: comparing initializations");
        foreach (var (heading, _) in GitHubIds) doc.H(2, heading);
        var ids = doc.MarkdownAnchors();
        Assert.Equal("initlab-comparing-initializations", ids[0].Id);
        Assert.Equal(GitHubIds.Select(h => h.Id), ids.Skip(1).Select(a => a.Id));
    }

    /// <summary>
    /// Every link of the Markdown report's contents reaches a heading of the file, the one it
    /// names, with ids worked out here from the file's text (a regex slugger and github-slugger's
    /// counter), and every section and subsection is listed once, in order.
    /// </summary>
    internal static void AssertContentsLinkToTheirHeadings(string markdown)
    {
        var headings = Regex.Matches(markdown, @"^(#{1,6}) (.+)$", RegexOptions.Multiline).Select(m => (Level: m.Groups[1].Length, Text: m.Groups[2].Value)).ToList();
        var occurrences = new Dictionary<string, int>();
        var ids = new List<string>();
        foreach (var (_, text) in headings)
        {
            string slug = Regex.Replace(text.ToLowerInvariant(), @"[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\- ]", "").Replace(' ', '-'), id = slug;
            occurrences.TryAdd(slug, 0);
            while (ids.Contains(id)) id = $"{slug}-{++occurrences[slug]}";
            ids.Add(id);
        }
        int contents = headings.FindIndex(h => h.Level == 2 && h.Text == "Contents");
        Assert.True(contents == 1, "the contents do not follow the title");
        int start = markdown.IndexOf("## Contents\n", StringComparison.Ordinal);
        string toc = markdown[start..markdown.IndexOf("\n\n", start + "## Contents\n\n".Length, StringComparison.Ordinal)];
        var links = Regex.Matches(toc, @"^( *)- \[(.+)\]\(#([^)]+)\)$", RegexOptions.Multiline)
            .Select(m => (Level: m.Groups[1].Length == 0 ? 2 : 3, Text: m.Groups[2].Value, Id: m.Groups[3].Value)).ToList();
        Assert.Equal(toc.Split('\n').Length - 2, links.Count);   // every line after the heading and blank line is a link
        var listed = headings.Select((h, i) => (h.Level, h.Text, Id: ids[i])).Where((h, i) => i != contents && h.Level is 2 or 3).ToList();
        Assert.NotEmpty(listed);
        foreach (var link in links) Assert.Contains(link.Id, ids);
        Assert.Equal(listed, links);
    }

    [Fact]
    public void TheMarkdownContentsLinkToEveryHeadingEvenRepeatedOnes()
    {
        var doc = new ReportDocument(".");
        doc.H(1, "InitLab: comparing initializations");
        doc.P("intro");
        doc.H(2, "Final test accuracy");
        foreach (string group in new[] { "784-12-10 relu", "784-12-10 relu batchnorm p=0.25" })
        {
            doc.H(2, group);
            doc.H(3, "Learning curves");
            doc.H(3, "Signals at initialization");
        }
        doc.H(2, "Time per run");
        string md = doc.Markdown();
        AssertContentsLinkToTheirHeadings(md);
        Assert.Contains("- [784-12-10 relu batchnorm p=0.25](#784-12-10-relu-batchnorm-p025)\n  - [Learning curves](#learning-curves-1)\n", md);
        // A heading's brackets are escaped in its link's text.
        var odd = new ReportDocument(".");
        odd.H(1, "t");
        odd.H(2, "a [b]");
        Assert.Contains("- [a \\[b\\]](#a-b)\n", odd.Markdown());
    }
}
