#include "websub/feed_diff.h"

#include <expat.h>

#include <climits>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "util/media_type.h"
#include "util/random.h"
#include "websub/limits.h"
#include "websub/signature.h"

namespace hubbub {

namespace {

// Element names as Expat gives them with namespaces on: "<uri> <local>", or
// "<local>" for an element in no namespace.
constexpr char k_separator = ' ';
constexpr const char* k_atom_feed = "http://www.w3.org/2005/Atom feed";
constexpr const char* k_atom_entry = "http://www.w3.org/2005/Atom entry";
constexpr const char* k_atom_id = "http://www.w3.org/2005/Atom id";
constexpr const char* k_atom_link = "http://www.w3.org/2005/Atom link";
constexpr const char* k_rdf_root = "http://www.w3.org/1999/02/22-rdf-syntax-ns# RDF";
constexpr const char* k_rdf_about = "http://www.w3.org/1999/02/22-rdf-syntax-ns# about";
// RSS 1.0, and RSS 0.90 (Netscape's RDF vocabulary).
constexpr const char* k_rss1_namespaces[] = {"http://purl.org/rss/1.0/ ", "http://my.netscape.com/rdf/simple/0.9/ "};

enum class Kind { unknown, atom, rss, rdf };

// Where the text of an entry's child goes.
enum class Field { none, id, guid, link, title, description };

struct Parse {
  XML_Parser parser = nullptr;
  Kind kind = Kind::unknown;
  int depth = 0;
  int entry_depth = 0;      // depth of the entry elements, 0 until the root says
  bool in_channel = false;  // RSS: items count only inside rss/channel
  bool in_entry = false;
  std::size_t entry_begin = 0;
  Field field = Field::none;
  int field_depth = 0;
  std::string id, guid, link, alternate, enclosure, title, description, about;
  std::vector<FeedEntry> entries;
  std::unordered_set<std::string> keys;
  std::string error;  // set when this code stopped the parser

  void stop(std::string why) {
    if (error.empty()) {
      error = std::move(why);
    }
    XML_StopParser(parser, XML_FALSE);
  }
};

const char* attribute(const XML_Char** attributes, const char* name) {
  for (int i = 0; attributes[i] != nullptr; i += 2) {
    if (std::strcmp(attributes[i], name) == 0) {
      return attributes[i + 1];
    }
  }
  return nullptr;
}

// The local name when `name` is in RSS 1.0's (or 0.90's) namespace.
const char* rss1_local(const char* name) {
  for (const char* ns : k_rss1_namespaces) {
    const std::size_t n = std::strlen(ns);
    if (std::strncmp(name, ns, n) == 0) {
      return name + n;
    }
  }
  return nullptr;
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool is_entry(const Parse& p, const char* name) {
  if (p.depth != p.entry_depth) {
    return false;
  }
  switch (p.kind) {
    case Kind::atom:
      return std::strcmp(name, k_atom_entry) == 0;
    case Kind::rss:
      return p.in_channel && std::strcmp(name, "item") == 0;
    case Kind::rdf: {
      const char* local = rss1_local(name);
      return local != nullptr && std::strcmp(local, "item") == 0;
    }
    case Kind::unknown:
      return false;
  }
  return false;
}

void start_child(Parse& p, const char* name, const XML_Char** attributes) {
  Field field = Field::none;
  if (p.kind == Kind::atom) {
    if (std::strcmp(name, k_atom_id) == 0) {
      field = Field::id;
    } else if (std::strcmp(name, k_atom_link) == 0 && p.alternate.empty()) {
      const char* rel = attribute(attributes, "rel");
      const char* href = attribute(attributes, "href");
      if (href != nullptr && (rel == nullptr || std::strcmp(rel, "alternate") == 0)) {
        p.alternate = href;
      }
    }
  } else {
    const char* local = p.kind == Kind::rss ? name : rss1_local(name);
    if (local == nullptr) {
      return;
    }
    if (p.kind == Kind::rss && std::strcmp(local, "guid") == 0) {
      field = Field::guid;
    } else if (std::strcmp(local, "link") == 0) {
      field = Field::link;
    } else if (std::strcmp(local, "title") == 0) {
      field = Field::title;
    } else if (std::strcmp(local, "description") == 0) {
      field = Field::description;
    } else if (p.kind == Kind::rss && std::strcmp(local, "enclosure") == 0 && p.enclosure.empty()) {
      if (const char* url = attribute(attributes, "url")) {
        p.enclosure = url;
      }
    }
  }
  if (field != Field::none) {
    p.field = field;
    p.field_depth = p.depth;
  }
}

std::optional<std::string> entry_key(const Parse& p) {
  const auto nonempty = [](const std::string& s) { return !trimmed(s).empty(); };
  switch (p.kind) {
    case Kind::atom:
      if (nonempty(p.id)) {
        return "id:" + trimmed(p.id);
      }
      if (!p.alternate.empty()) {
        return "link:" + p.alternate;
      }
      return std::nullopt;
    case Kind::rss:
    case Kind::rdf:
      if (nonempty(p.guid)) {
        return "guid:" + trimmed(p.guid);
      }
      if (!p.about.empty()) {
        return "about:" + p.about;
      }
      if (nonempty(p.link)) {
        return "link:" + trimmed(p.link);
      }
      if (!p.enclosure.empty()) {
        return "enc:" + p.enclosure;
      }
      if (nonempty(p.title) || nonempty(p.description)) {
        return "hash:" + sha256_hex(trimmed(p.title) + std::string(1, '\0') + trimmed(p.description));
      }
      return std::nullopt;
    case Kind::unknown:
      break;
  }
  return std::nullopt;
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto& p = *static_cast<Parse*>(data);
  ++p.depth;
  if (p.depth > static_cast<int>(k_feed_max_depth)) {
    p.stop("deeper than " + std::to_string(k_feed_max_depth) + " levels");
    return;
  }
  if (p.depth == 1) {
    if (std::strcmp(name, k_atom_feed) == 0) {
      p.kind = Kind::atom;
      p.entry_depth = 2;
    } else if (std::strcmp(name, "rss") == 0) {
      p.kind = Kind::rss;
      p.entry_depth = 3;
    } else if (std::strcmp(name, k_rdf_root) == 0) {
      p.kind = Kind::rdf;
      p.entry_depth = 2;
    } else {
      p.stop("not an Atom or RSS feed");
    }
    return;
  }
  if (p.kind == Kind::rss && p.depth == 2) {
    p.in_channel = std::strcmp(name, "channel") == 0;
    return;
  }
  if (!p.in_entry) {
    if (is_entry(p, name)) {
      if (p.entries.size() >= k_feed_max_entries) {
        p.stop("more than " + std::to_string(k_feed_max_entries) + " entries");
        return;
      }
      p.in_entry = true;
      p.entry_begin = static_cast<std::size_t>(XML_GetCurrentByteIndex(p.parser));
      p.id.clear(), p.guid.clear(), p.link.clear(), p.alternate.clear(), p.enclosure.clear();
      p.title.clear(), p.description.clear(), p.about.clear();
      if (p.kind == Kind::rdf) {
        if (const char* about = attribute(attributes, k_rdf_about)) {
          p.about = about;
        }
      }
    }
    return;
  }
  if (p.depth == p.entry_depth + 1 && p.field == Field::none) {
    start_child(p, name, attributes);
  }
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
  auto& p = *static_cast<Parse*>(data);
  if (p.field != Field::none && p.depth == p.field_depth) {
    p.field = Field::none;
  }
  if (p.depth == 2) {
    p.in_channel = false;
  }
  if (p.in_entry && p.depth == p.entry_depth) {
    p.in_entry = false;
    const auto end = static_cast<std::size_t>(XML_GetCurrentByteIndex(p.parser) + XML_GetCurrentByteCount(p.parser));
    auto key = entry_key(p);
    if (!key) {
      p.stop("an entry without a key");
      return;
    }
    if (!p.keys.insert(*key).second) {
      p.stop("two entries with one key");
      return;
    }
    p.entries.push_back({std::move(*key), p.entry_begin, end});
  }
  --p.depth;
}

void XMLCALL on_text(void* data, const XML_Char* text, int length) {
  auto& p = *static_cast<Parse*>(data);
  std::string* target = nullptr;
  switch (p.field) {
    case Field::id:
      target = &p.id;
      break;
    case Field::guid:
      target = &p.guid;
      break;
    case Field::link:
      target = &p.link;
      break;
    case Field::title:
      target = &p.title;
      break;
    case Field::description:
      target = &p.description;
      break;
    case Field::none:
      return;
  }
  if (target->size() + static_cast<std::size_t>(length) > k_feed_max_key_text) {
    p.stop("an entry's key text is too long");
    return;
  }
  target->append(text, static_cast<std::size_t>(length));
}

void XMLCALL on_entity_declaration(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                                   const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<Parse*>(data)->stop("an entity declaration");
}

}  // namespace

bool is_xml_media_type(const std::optional<std::string>& content_type) {
  if (!content_type) {
    return false;
  }
  const std::string essence = media_type_essence(*content_type);
  return essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml");
}

Result<std::vector<FeedEntry>> parse_feed_entries(std::string_view body) {
  if (body.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail("the feed is too large to diff");
  }
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreateNS(nullptr, k_separator), &XML_ParserFree);
  if (!parser) {
    return fail("cannot create an XML parser");
  }
  Parse p;
  p.parser = parser.get();
  unsigned long salt = 0;
  const std::string seed = random_token(8);
  std::memcpy(&salt, seed.data(), std::min(sizeof salt, seed.size()));
  XML_SetHashSalt(p.parser, salt);
  XML_SetUserData(p.parser, &p);
  XML_SetElementHandler(p.parser, on_start, on_end);
  XML_SetCharacterDataHandler(p.parser, on_text);
  XML_SetEntityDeclHandler(p.parser, on_entity_declaration);
  XML_SetParamEntityParsing(p.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  // The whole body in one call (Expat 2.5 has no reparse deferral to turn off).
  if (XML_Parse(p.parser, body.data(), static_cast<int>(body.size()), XML_TRUE) != XML_STATUS_OK) {
    if (!p.error.empty()) {
      return fail(p.error);
    }
    return fail(std::string("not well-formed XML: ") + XML_ErrorString(XML_GetErrorCode(p.parser)));
  }
  if (p.kind == Kind::unknown) {
    return fail("not an Atom or RSS feed");
  }
  return std::move(p.entries);
}

Result<FeedDiff> diff_feed(std::string_view body, const std::unordered_map<std::string, std::string>& known,
                           bool new_only) {
  HUBBUB_TRY_ASSIGN(entries, parse_feed_entries(body));
  FeedDiff diff;
  std::vector<bool> send(entries->size(), false);
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const FeedEntry& e = (*entries)[i];
    FeedEntryState state{sha256_hex(e.key), sha256_hex(body.substr(e.begin, e.end - e.begin))};
    const auto seen = known.find(state.key_hash);
    if (seen == known.end()) {
      ++diff.new_entries;
      send[i] = true;
    } else if (seen->second != state.hash && !new_only) {
      ++diff.updated_entries;
      send[i] = true;
    }
    diff.entries.push_back(std::move(state));
  }
  const std::size_t changed = diff.new_entries + diff.updated_entries;
  if (changed == 0) {
    return diff;
  }
  if (changed > k_feed_max_changed) {
    diff.body = std::string(body);
    return diff;
  }
  std::string out;
  out.reserve(body.size());
  std::size_t at = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    if (!send[i]) {
      out.append(body.substr(at, (*entries)[i].begin - at));
      at = (*entries)[i].end;
    }
  }
  out.append(body.substr(at));
  diff.body = std::move(out);
  return diff;
}

}  // namespace hubbub
