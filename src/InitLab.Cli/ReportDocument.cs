using System.Globalization;
using System.Text;

namespace InitLab.Cli;

/// <summary>A report as blocks (headings, paragraphs, tables, images) rendered as Markdown or as self-contained HTML.</summary>
internal sealed class ReportDocument
{
    public abstract record Block;
    private sealed record Heading(int Level, string Text) : Block;
    private sealed record Para(string Text) : Block;
    private sealed record Image(string File, string Alt) : Block;

    /// <summary>A table; cells in <see cref="Bold"/> (row, column) are emphasised.</summary>
    public sealed record Table(string[] Header, List<string[]> Rows, HashSet<(int Row, int Col)> Bold) : Block;

    private readonly List<Block> _blocks = [];
    private readonly string _folder;

    public ReportDocument(string folder) => _folder = folder;

    public void H(int level, string text) => _blocks.Add(new Heading(level, text));
    public void P(string text) => _blocks.Add(new Para(text));
    public void Img(string file, string alt) => _blocks.Add(new Image(file, alt));
    public void Add(Table t) => _blocks.Add(t);

    public string Markdown()
    {
        var sb = new StringBuilder();
        var anchors = MarkdownAnchors();
        bool contents = false;
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h:
                    sb.Append('#', h.Level).Append(' ').Append(h.Text).Append("\n\n");
                    // The contents come right after the title, as in the HTML.
                    if (h.Level == 1 && !contents) MarkdownContents(sb, anchors);
                    contents |= h.Level == 1;
                    break;
                case Para p: sb.Append(p.Text).Append("\n\n"); break;
                case Image i: sb.Append($"![{i.Alt}]({i.File})\n\n"); break;
                case Table t:
                    sb.Append("| ").Append(string.Join(" | ", t.Header)).Append(" |\n");
                    sb.Append('|').Append(string.Join("|", t.Header.Select((_, c) => c == 0 ? " --- " : " ---: "))).Append("|\n");
                    for (int r = 0; r < t.Rows.Count; r++)
                        sb.Append("| ").Append(string.Join(" | ", t.Rows[r].Select((v, c) => t.Bold.Contains((r, c)) ? $"**{v}**" : v))).Append(" |\n");
                    sb.Append('\n');
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The heading of the contents, in both forms.</summary>
    private const string ContentsTitle = "Contents";

    /// <summary>
    /// Each heading's id as GitHub (and GitLab, VS Code) makes it for Markdown, in document order
    /// with the contents' own heading after the title: see <see cref="GitHubSlug"/>; a repeated
    /// id gets the first free of -1, -2, ... (github-slugger's rule).
    /// </summary>
    public IReadOnlyList<(int Level, string Text, string Id)> MarkdownAnchors()
    {
        var used = new HashSet<string>();
        var list = new List<(int, string, string)>();
        bool contents = false;
        foreach (var h in _blocks.OfType<Heading>())
        {
            string id = GitHubSlug(h.Text), unique = id;
            for (int n = 1; !used.Add(unique); n++) unique = $"{id}-{n}";
            list.Add((h.Level, h.Text, unique));
            if (h.Level == 1 && !contents) used.Add(GitHubSlug(ContentsTitle));
            contents |= h.Level == 1;
        }
        return list;
    }

    /// <summary>
    /// A Markdown heading's id as GitHub makes it (github-slugger): the text in lower case, keeping
    /// letters, marks, decimal and letter numbers, connector punctuation ('_') and '-', each space
    /// a '-', dropping the rest ("784-12-10 relu p=0.25" → "784-12-10-relu-p025").
    /// </summary>
    internal static string GitHubSlug(string text)
    {
        var sb = new StringBuilder();
        foreach (var r in text.Trim().ToLowerInvariant().EnumerateRunes())
        {
            if (r.Value == ' ') sb.Append('-');
            else if (r.Value == '-' || Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                         or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                         or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                         or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.ConnectorPunctuation)
                sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    /// <summary>Contents in Markdown: a nested list of links to the level-2 and level-3 headings.</summary>
    private static void MarkdownContents(StringBuilder sb, IReadOnlyList<(int Level, string Text, string Id)> anchors)
    {
        sb.Append("## ").Append(ContentsTitle).Append("\n\n");
        foreach (var (level, text, id) in anchors.Where(a => a.Level is 2 or 3))
            sb.Append(level == 3 ? "  - [" : "- [").Append(LinkText(text)).Append("](#").Append(id).Append(")\n");
        sb.Append('\n');
    }

    /// <summary>A heading's text as a link's: brackets and backslashes escaped.</summary>
    private static string LinkText(string s) => s.Replace("\\", "\\\\").Replace("[", "\\[").Replace("]", "\\]");

    /// <summary>
    /// Each heading's anchor id: its text in lower case with runs of other characters as '-'; a
    /// level-3 heading is prefixed with its section's id (every section has "Learning curves"),
    /// and a repeated id gets -2, -3, ...
    /// </summary>
    public IReadOnlyList<(int Level, string Text, string Id)> Anchors()
    {
        var used = new HashSet<string> { Slug(ContentsTitle) };   // the id of the nav's own heading
        var list = new List<(int, string, string)>();
        string section = "";
        foreach (var h in _blocks.OfType<Heading>())
        {
            string id = (h.Level >= 3 && section.Length > 0 ? section + "-" : "") + Slug(h.Text);
            string unique = id;
            for (int n = 2; !used.Add(unique); n++) unique = $"{id}-{n}";
            if (h.Level == 2) section = unique;
            list.Add((h.Level, h.Text, unique));
        }
        return list;
    }

    private static string Slug(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text.ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        return sb.ToString().TrimEnd('-') is { Length: > 0 } s ? s : "section";
    }

    /// <summary>Contents: a nested list of links to the level-2 and level-3 headings.</summary>
    private static void Contents(StringBuilder sb, IReadOnlyList<(int Level, string Text, string Id)> anchors)
    {
        sb.Append($"<nav class=\"toc\" aria-label=\"{ContentsTitle}\">\n<h2 id=\"{Slug(ContentsTitle)}\">{ContentsTitle}</h2>\n<ul>\n");
        bool open = false;
        foreach (var (level, text, id) in anchors.Where(a => a.Level is 2 or 3))
        {
            if (level == 2)
            {
                if (open) sb.Append("</ul></li>\n");
                sb.Append($"<li><a href=\"#{id}\">{E(text)}</a><ul>\n");
                open = true;
            }
            else sb.Append($"<li><a href=\"#{id}\">{E(text)}</a></li>\n");
        }
        if (open) sb.Append("</ul></li>\n");
        sb.Append("</ul>\n</nav>\n");
    }

    /// <summary>One HTML file: images are read from the report folder and embedded as data URIs, so it opens without the folder or a network.</summary>
    public string Html(string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title)).Append("</title>\n<style>\n")
          .Append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n")
          .Append("table{border-collapse:collapse;margin:1em 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}\n")
          .Append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}tr:nth-child(even) td{background:#fafafa}\n")
          .Append("img{max-width:100%;height:auto;border:1px solid #eee;margin:0.5em 0}h1{border-bottom:2px solid #ddd}h2{margin-top:1.6em;border-bottom:1px solid #eee}\n")
          .Append(".toc{background:#fafafa;border:1px solid #eee;padding:0.3em 1em}.toc h2{margin-top:0.4em}.toc ul ul{font-size:0.95em}.toc ul ul:empty{display:none}\n")
          .Append("</style>\n</head>\n<body>\n");
        var anchors = Anchors();
        int heading = 0;
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h:
                    sb.Append($"<h{h.Level} id=\"{anchors[heading++].Id}\">{E(h.Text)}</h{h.Level}>\n");
                    // The contents come right after the title.
                    if (h.Level == 1 && heading == 1) Contents(sb, anchors);
                    break;
                case Para p: sb.Append("<p>").Append(Inline(p.Text)).Append("</p>\n"); break;
                case Image i:
                    string data = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_folder, i.File)));
                    sb.Append($"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{E(i.Alt)}\"></figure>\n");
                    break;
                case Table t:
                    sb.Append("<table>\n<thead><tr>").Append(string.Concat(t.Header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr></thead>\n<tbody>\n");
                    for (int r = 0; r < t.Rows.Count; r++)
                        sb.Append("<tr>").Append(string.Concat(t.Rows[r].Select((v, c) => t.Bold.Contains((r, c)) ? $"<td><b>{E(v)}</b></td>" : $"<td>{E(v)}</td>"))).Append("</tr>\n");
                    sb.Append("</tbody>\n</table>\n");
                    break;
            }
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    // Only the characters HTML needs escaped; the page is UTF-8, so ± and × stay readable in the source.
    private static string E(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    /// <summary>`code` spans, the only inline Markdown the report's paragraphs use.</summary>
    private static string Inline(string s)
    {
        var parts = s.Split('`');
        var sb = new StringBuilder();
        for (int i = 0; i < parts.Length; i++) sb.Append(i % 2 == 1 ? $"<code>{E(parts[i])}</code>" : E(parts[i]));
        return sb.ToString();
    }
}
