/** What a page on partysocket ships: its reconnecting WebSocket. */
export { WebSocket } from 'partysocket';
