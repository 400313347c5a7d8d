// REST handlers of the knowledge base (/api/v1/kb/…): articles with versions and publishing for
// kb_editor and admin (supervisors read), and the public search. Internal to the http module;
// routes.cpp puts them in the route table.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

boost::asio::awaitable<Response> ListKbArticles(Request& req, Context& ctx);
boost::asio::awaitable<Response> CreateKbArticle(Request& req, Context& ctx);
boost::asio::awaitable<Response> GetKbArticle(Request& req, Context& ctx);
boost::asio::awaitable<Response> UpdateKbArticle(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListKbArticleVersions(Request& req, Context& ctx);
boost::asio::awaitable<Response> PublishKbArticle(Request& req, Context& ctx);
boost::asio::awaitable<Response> UnpublishKbArticle(Request& req, Context& ctx);
boost::asio::awaitable<Response> SearchKb(Request& req, Context& ctx);
// 猜你想问: a few published questions in the asker's language, one per common category.
boost::asio::awaitable<Response> KbSuggestions(Request& req, Context& ctx);

}  // namespace kefu::http
